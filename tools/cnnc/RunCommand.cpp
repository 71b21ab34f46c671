// `cnnc run libNAME.so --input x.npy -o y.npy` runs a compiled library; given a model instead
// (net.cnn, model.onnx, zoo:NAME) it compiles it into a temporary folder first. Either way the
// library is executed by `cnnc-run`, a separate process that links only cnnc's runtime, never
// Halide or LLVM (see ../shared/DESIGN.md): this process spawns it and passes its exit status on.
#include "codegen/ModelCompiler.h"
#include "ir/Error.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <filesystem>
#include <memory>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace cnnc::driver {

namespace {

namespace fs = std::filesystem;

// cnnc-run is built and installed next to cnnc.
std::string runner_path() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    const fs::path runner = ec ? fs::path("cnnc-run") : self.parent_path() / "cnnc-run";
    if (!ec && !fs::exists(runner)) user_error("cannot find the model runner {} (it is built with cnnc)", runner.string());
    return runner.string();
}

int spawn_and_wait(const std::vector<std::string> &argv) {
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(nullptr);
    pid_t pid = 0;
    if (const int err = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ); err != 0)
        user_error("cannot start {}: {}", argv[0], std::strerror(err));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    user_error("{} was killed by signal {}", argv[0], WTERMSIG(status));
}

bool is_library(const std::string &model) {
    return fs::path(model).extension() == ".so" || model.find(".so.") != std::string::npos;
}

} // namespace

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
        std::string temp_dir;
        std::string library = options->model.model;
        if (!is_library(library)) {
            const ir::Graph g = options->pipeline.run(options->model.load());
            std::string pattern = (fs::temp_directory_path() / "cnnc-run-XXXXXX").string();
            if (!mkdtemp(pattern.data())) user_error("cannot create a temporary folder");
            temp_dir = pattern;
            codegen::CompileOptions compile;
            compile.library_path = temp_dir + "/libmodel.so";
            compile.cache_dir = options->cache_dir;
            compile.progress = isatty(STDERR_FILENO);
            try {
                codegen::compile_model(g, compile);
            } catch (...) {
                fs::remove_all(temp_dir);
                throw;
            }
            library = compile.library_path;
        }
        argv.push_back(library);
        for (const auto &i : options->inputs) argv.insert(argv.end(), {"--input", i});
        for (const auto &o : options->outputs) argv.insert(argv.end(), {"-o", o});
        if (options->print) argv.push_back("--print");
        if (options->repeat > 1) argv.insert(argv.end(), {"--repeat", std::to_string(options->repeat)});
        const int status = spawn_and_wait(argv);
        if (!temp_dir.empty()) fs::remove_all(temp_dir);
        exit_status = status;
    });
}

} // namespace cnnc::driver
