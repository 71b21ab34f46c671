// `cnnc zoo list`: every built-in model with its parameters (and defaults) and a one-line
// description, so `zoo:NAME?key=value` references can be written without reading the source.
#include "frontend/Zoo.h"
#include "tools/cnnc/Command.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

namespace cnnc::driver {

void add_zoo_command(CLI::App &app, int &exit_status) {
    CLI::App *zoo = app.add_subcommand("zoo", "The built-in models (use them as zoo:NAME)");
    zoo->require_subcommand(1);
    CLI::App *list = zoo->add_subcommand("list", "List every model with its parameters");
    list->callback([&exit_status] {
        size_t width = 0;
        for (const auto &e : frontend::zoo_entries()) width = std::max(width, e.name.size());
        for (const auto &e : frontend::zoo_entries()) {
            std::vector<std::string> params;
            for (const auto &p : e.params) params.push_back(fmt::format("{}={}", p.name, p.default_value));
            fmt::print("{:<{}}  {}\n{:<{}}  ?{}\n", e.name, width, e.description, "", width,
                       fmt::join(params, "&"));
        }
        fmt::print("\nparameters:\n");
        std::vector<std::string> seen;
        for (const auto &e : frontend::zoo_entries())
            for (const auto &p : e.params) {
                if (std::find(seen.begin(), seen.end(), p.name + p.help) != seen.end()) continue;
                seen.push_back(p.name + p.help);
                fmt::print("  {:<8} {}\n", p.name, p.help);
            }
        exit_status = 0;
    });
}

} // namespace cnnc::driver
