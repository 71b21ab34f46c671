// `cnnc opt MODEL [--passes=a,b | -O2] [-o OUT.cnn] [--dot G.dot] [--svg G.svg]`: runs passes and
// prints the resulting IR, optionally drawn as a Graphviz graph (passes/GraphDot.h).
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "ir/Printer.h"
#include "passes/GraphDot.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace cnnc::driver {

namespace {

namespace fs = std::filesystem;

// Graphviz's `dot` on PATH, or empty.
std::string find_dot() {
    const char *path = std::getenv("PATH");
    std::string_view rest = path ? path : "";
    while (!rest.empty()) {
        const size_t colon = std::min(rest.find(':'), rest.size());
        const fs::path candidate = fs::path(std::string(rest.substr(0, colon))) / "dot";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        rest.remove_prefix(std::min(colon + 1, rest.size()));
    }
    return {};
}

// Renders `dot_text` with `dot -Tsvg` into `path`, through temporaries renamed into place.
void write_svg(const std::string &dot_text, const std::string &path) {
    const std::string dot = find_dot();
    if (dot.empty())
        user_error("--svg {}: Graphviz's 'dot' is not on PATH (install Debian's graphviz, or "
                   "write the graph text with --dot FILE)",
                   path);
    const std::string source = path + ".dot.tmp", rendered = path + ".tmp";
    write_file_atomically(source, dot_text);
    std::vector<std::string> args{dot, "-Tsvg", "-o", rendered, source};
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int status = 0;
    const bool ran = posix_spawn(&pid, dot.c_str(), nullptr, nullptr, argv.data(), environ) == 0 &&
                     waitpid(pid, &status, 0) == pid;
    std::error_code ignored;
    fs::remove(source, ignored);
    if (!ran || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fs::remove(rendered, ignored);
        user_error("--svg {}: '{} -Tsvg' failed (exit status {})", path, dot,
                   ran && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    std::error_code ec;
    fs::rename(rendered, path, ec);
    if (ec) user_error("{}: cannot write: {}", path, ec.message());
}

} // namespace

void add_opt_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        std::string output, dot, svg;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "opt", "Run passes over a model and print its IR (the text format of docs/ir.md)");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, false);
    command->add_option("-o,--output", options->output,
                        "Write the IR to this file (large weights beside it in NAME.weights/) "
                        "instead of stdout");
    command->add_option("--dot", options->dot,
                        "Also write the final IR as a Graphviz graph: fused epilogues, "
                        "algorithms, layouts, branch groups as clusters");
    command->add_option("--svg", options->svg,
                        "Also render that graph to SVG with Graphviz's dot (must be installed)");
    command->callback([options, &exit_status] {
        const ir::Graph g = options->pipeline.run(options->model.load());
        if (!options->dot.empty() || !options->svg.empty()) {
            const std::string dot = passes::graph_to_dot(g);
            if (!options->dot.empty()) write_file_atomically(options->dot, dot);
            if (!options->svg.empty()) write_svg(dot, options->svg);
        }
        if (options->output.empty())
            fmt::print("{}", ir::print(g));
        else
            ir::print_to_file(g, options->output);
        exit_status = 0;
    });
}

} // namespace cnnc::driver
