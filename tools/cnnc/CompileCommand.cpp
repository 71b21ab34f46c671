// `cnnc compile MODEL -o libNAME.so`: optimises the model (-O2 by default) and compiles it to a
// shared library with the C ABI of runtime/cnnc_runtime.h, plus NAME.h beside it. Progress
// (kernels compiled / cached / total, elapsed) shows on a terminal; elsewhere it is quiet.
#include "codegen/KernelBuilder.h"
#include "codegen/ModelCompiler.h"
#include "codegen/TestProjectEmitter.h"
#include "ir/Error.h"
#include "tools/cnnc/BranchConcurrencyChoice.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include <unistd.h>

namespace cnnc::driver {

void add_compile_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        codegen::CompileOptions compile;
        bool quiet = false;
        std::string emit_tests;
        int cuda_capability = 0;
        bool measure_concurrency = false; // --branch-concurrency measure
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "compile", "Compile a model to a shared library (libNAME.so + NAME.h) with a C ABI");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, true);
    command->add_option("-o,--output", options->compile.library_path, "The library to write: libNAME.so")
        ->required();
    command->add_option("--target", options->compile.target,
                        "Halide target string, or host (the ISA of this machine)")
        ->default_val("host");
    command->add_option("--cuda-capability", options->cuda_capability,
                        "With a CUDA target: the compute capability to generate for (70, 75, 80, 86)")
        ->check(CLI::IsMember({30, 32, 35, 50, 61, 70, 75, 80, 86}));
    command->add_option("--emit-device-code", options->compile.device_code_dir,
                        "GPU targets: write each kernel's PTX (.ptx) or OpenCL C (.cl) into this folder");
    command->add_option("--db", options->compile.tuning_db,
                        "A tuning database from `cnnc tune`: its best record per workload replaces the "
                        "default schedule (workloads without one keep it)");
    add_scheduler_option(*command, options->compile.scheduler);
    command->add_option("--cache-dir", options->compile.cache_dir,
                        "Kernel cache folder (default: $CNNC_CACHE_DIR or ~/.cache/cnnc)");
    command->add_option("-j,--jobs", options->compile.jobs, "Kernels compiled in parallel (default: one per core)");
    command->add_flag("-q,--quiet", options->quiet, "No progress display, even on a terminal");
    command->add_option_function<std::string>(
               "--branch-concurrency",
               [options](const std::string &mode) {
                   options->measure_concurrency = mode == "measure";
                   if (!options->measure_concurrency)
                       options->compile.concurrency.mode = codegen::parse_branch_concurrency(mode);
               },
               "Run the branches of fork/join regions (Inception modules, projection shortcuts) concurrently: "
               "off (default); on (every region); auto (only regions whose results are all at most "
               "--branch-concurrency-max-pixels pixels); measure (time the model off and on here, keep the "
               "faster). See docs/branch-concurrency.md")
        ->check(CLI::IsMember({"off", "on", "auto", "measure"}));
    command->add_option("--branch-concurrency-max-pixels", options->compile.concurrency.auto_max_pixels,
                        "With --branch-concurrency auto: the largest result (H*W pixels) a concurrent region may have")
        ->default_val(options->compile.concurrency.auto_max_pixels)
        ->check(CLI::PositiveNumber);
    command->add_option("--emit-tests", options->emit_tests,
                        "Also write a standalone CMake + doctest project checking the library to this folder");
    command->callback([options, &exit_status] {
        const ir::Graph loaded = options->model.load();
        const ir::Graph g = options->pipeline.run(loaded);
        options->compile.progress = !options->quiet && isatty(STDERR_FILENO);
        if (options->cuda_capability) {
            if (options->compile.target.find("cuda") == std::string::npos)
                user_error("--cuda-capability {} needs a CUDA target (--target host-cuda)", options->cuda_capability);
            if (options->compile.target.find("cuda_capability") != std::string::npos)
                user_error("--cuda-capability and a cuda_capability feature in --target {}: give one", options->compile.target);
            options->compile.target += fmt::format("-cuda_capability_{}", options->cuda_capability);
        }
        // Known, not ours to fix: see tests/codegen/AutoschedulerTest.cpp. `tune` validates every
        // candidate against the reference; a plain compile does not, so say how to check.
        if (options->compile.scheduler == "adams2019")
            fmt::print(stderr, "cnnc compile: warning: Halide 14's Adams2019 has produced wrong 3x3 conv kernels "
                               "in cnnc's tests; check this library with `cnnc test-kernels MODEL --scheduler "
                               "adams2019` before trusting it\n");
        if (options->measure_concurrency) {
            const BranchConcurrencyChoice choice = compile_choosing_branch_concurrency(g, options->compile, {});
            if (!choice.has_regions)
                fmt::print(stderr, "cnnc compile: branch concurrency: no region with two or more branches; off\n");
            else
                fmt::print(stderr,
                           "cnnc compile: branch concurrency: median run per round off [{:.2f}] ms, on [{:.2f}] ms; on "
                           "faster by 3% in {} of {} rounds: {}\n",
                           fmt::join(choice.off_ms, ", "), fmt::join(choice.on_ms, ", "), choice.on_wins,
                           choice.off_ms.size(), choice.chose_on ? "on" : "off");
        } else {
            const codegen::CompileStats stats = codegen::compile_model(g, options->compile);
            if (stats.stale_records > 0)
                fmt::print(stderr,
                           "cnnc compile: note: --db {}: {} record(s) were measured with another code generation and are "
                           "not applied (this build: {}); run `cnnc tune` again to re-measure\n",
                           options->compile.tuning_db, stats.stale_records, codegen::generator_generation());
        }
        if (!options->emit_tests.empty())
            codegen::emit_test_project(loaded, g, options->compile.library_path,
                                       codegen::parse_target(options->compile.target), options->emit_tests);
        exit_status = 0;
    });
}

} // namespace cnnc::driver
