// `cnnc run libNAME.so --input x.npy -o y.npy` runs a compiled library; given a model instead
// (net.cnn, model.onnx, zoo:NAME) it compiles it into a temporary folder first. Either way the
// library is executed by `cnnc-run`, a separate process that links only cnnc's runtime, never
// Halide or LLVM (see ../shared/DESIGN.md): this process spawns it and passes its exit status on.
#include "codegen/ModelCompiler.h"
#include "ir/Error.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"
#include "tools/cnnc/Runner.h"

#include <memory>

#include <unistd.h>

namespace cnnc::driver {

void add_run_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        std::vector<std::string> inputs, outputs;
        bool print = false;
        int repeat = 1;
        std::string cache_dir;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "run", "Run a compiled library (or compile a model, then run it) on .npy inputs");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, true);
    command->add_option("-i,--input", options->inputs, "Input .npy, as PATH or NAME=PATH (repeatable)");
    command->add_option("-o,--output", options->outputs, "Output .npy, as PATH or NAME=PATH (repeatable)");
    command->add_flag("--print", options->print, "Print each output's type and values to stdout");
    command->add_option("--repeat", options->repeat, "Run this many times and report the best time");
    command->add_option("--cache-dir", options->cache_dir, "Kernel cache folder when compiling a model");
    command->callback([options, &exit_status] {
        std::vector<std::string> argv = {runner_path()};
        std::string library = options->model.model;
        // A model (not a library) is compiled into a scratch folder removed when the run ends.
        std::unique_ptr<ScratchFolder> scratch;
        if (!is_library(library)) {
            const ir::Graph g = options->pipeline.run(options->model.load());
            scratch = std::make_unique<ScratchFolder>("cnnc-run");
            codegen::CompileOptions compile;
            compile.library_path = scratch->path() + "/libmodel.so";
            compile.cache_dir = options->cache_dir;
            compile.progress = isatty(STDERR_FILENO);
            codegen::compile_model(g, compile);
            library = compile.library_path;
        }
        argv.push_back(library);
        for (const auto &i : options->inputs) argv.insert(argv.end(), {"--input", i});
        for (const auto &o : options->outputs) argv.insert(argv.end(), {"-o", o});
        if (options->print) argv.push_back("--print");
        if (options->repeat > 1) argv.insert(argv.end(), {"--repeat", std::to_string(options->repeat)});
        exit_status = spawn_and_wait(argv);
    });
}

} // namespace cnnc::driver
