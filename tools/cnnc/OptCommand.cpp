// `cnnc opt MODEL [--passes=a,b | -O2] [-o OUT.cnn]`: runs passes and prints the resulting IR.
#include "ir/Printer.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <fmt/core.h>

#include <memory>

namespace cnnc::driver {

void add_opt_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        std::string output;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "opt", "Run passes over a model and print its IR (the text format of docs/ir.md)");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, false);
    command->add_option("-o,--output", options->output,
                        "Write the IR to this file (large weights beside it in NAME.weights/) "
                        "instead of stdout");
    command->callback([options, &exit_status] {
        const ir::Graph g = options->pipeline.run(options->model.load());
        if (options->output.empty())
            fmt::print("{}", ir::print(g));
        else
            ir::print_to_file(g, options->output);
        exit_status = 0;
    });
}

} // namespace cnnc::driver
