// `cnnc info MODEL [--format table|csv|json] [--svg FILE]`: what a network costs, layer by
// layer (shapes, parameters, MACs, activation memory, receptive field, stride), with totals and
// the share of each op kind. Works on any model reference, and never generates weights.
#include "analysis/ModelInfo.h"
#include "analysis/SvgChart.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <fmt/core.h>

#include <memory>

namespace cnnc::driver {

void add_info_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        std::string format = "table";
        std::string svg;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "info", "Per-layer shapes, parameters, MACs, activation memory and receptive fields");
    options->model.add_to(*command);
    command->add_option("--format", options->format, "Output format")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->default_val("table");
    command->add_option("--svg", options->svg,
                        "Also draw per-layer bars of MACs, params and activation memory to FILE");
    command->callback([options, &exit_status] {
        const analysis::ModelInfo info = analysis::analyse(options->model.load());
        if (!options->svg.empty()) analysis::write_svg(options->svg, info);
        const std::string text = options->format == "csv"    ? analysis::format_csv(info)
                                 : options->format == "json" ? analysis::format_json(info)
                                                             : analysis::format_table(info);
        fmt::print("{}", text);
        exit_status = 0;
    });
}

} // namespace cnnc::driver
