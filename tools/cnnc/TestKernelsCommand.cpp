// `cnnc test-kernels MODEL`: checks every distinct kernel the model compiles to against the
// reference interpreter, one kernel at a time. The model is optimised (-O2 by default) and
// compiled into a scratch folder; for each distinct compiled kernel, seeded random inputs and the
// reference result of the same fused op are stored (codegen/KernelTests.h), the runner executes
// the kernel alone in its own process (cnnc-run kernels: the library never runs beside Halide),
// and its output is compared here. One line per kernel, then `N passed, N failed`; exit 1 on any
// failure. Checking kernels alone, rather than whole models, names the guilty kernel directly and
// exercises inputs a trained network would never feed it.
#include "codegen/Autoscheduler.h"
#include "codegen/KernelBuilder.h"
#include "codegen/KernelTests.h"
#include "codegen/ModelCompiler.h"
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "ir/Npy.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"
#include "tools/cnnc/Runner.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include <unistd.h>

namespace cnnc::driver {

void add_test_kernels_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        std::string target = "host", cache_dir, keep, scheduler = "cnnc";
        uint64_t seed = 1;
        bool quiet = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "test-kernels", "Check every generated kernel of a model against the reference interpreter");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, true);
    command->add_option("--target", options->target, "Halide target string, or host")->default_val("host");
    add_scheduler_option(*command, options->scheduler);
    command->add_option("--seed", options->seed, "Seed of the random inputs")->default_val(1);
    command->add_option("--cache-dir", options->cache_dir, "Kernel cache folder (default: $CNNC_CACHE_DIR or ~/.cache/cnnc)");
    command->add_option("--keep", options->keep,
                        "Keep the library and the test cases (inputs, expected and actual outputs) in this folder");
    command->add_flag("-q,--quiet", options->quiet, "No progress display, even on a terminal");
    command->callback([options, &exit_status] {
        const Options &o = *options;
        const ir::Graph g = o.pipeline.run(o.model.load());
        if (const char *wrong = std::getenv(codegen::wrong_kernel_variable); wrong && *wrong)
            fmt::print(stderr, "cnnc: warning: {}={} is set: kernels of algorithm {} are built wrong on purpose\n",
                       codegen::wrong_kernel_variable, wrong, wrong);
        ScratchFolder scratch("cnnc-test-kernels");
        const std::string dir = o.keep.empty() ? scratch.path() : std::filesystem::absolute(o.keep).string();
        codegen::CompileOptions compile;
        compile.library_path = dir + "/libmodel.so";
        compile.target = o.target;
        compile.cache_dir = o.cache_dir;
        compile.scheduler = o.scheduler;
        compile.progress = !o.quiet && isatty(STDERR_FILENO);
        codegen::compile_model(g, compile);

        // The same plan compile_model linked (planning is deterministic); the runner checks each
        // kernel's function name against the library's, so a mismatch cannot go unnoticed.
        const codegen::TargetInfo target = codegen::with_scheduler(codegen::parse_target(o.target), o.scheduler);
        const codegen::ModelPlan plan = codegen::plan_model(g, target);
        const std::vector<codegen::KernelCase> cases = codegen::make_kernel_cases(g, plan, o.seed);
        const std::string cases_dir = dir + "/cases";
        codegen::write_kernel_cases(cases, cases_dir);
        if (const int status = spawn_and_wait({runner_path(), "kernels", compile.library_path, cases_dir}); status != 0)
            user_error("the runner could not execute the kernels of {} (exit status {})", o.model.model, status);

        fmt::print("test-kernels {}: {} distinct kernels for {} kernel calls, target {}, seed {}\n", o.model.model,
                   cases.size(), plan.kernels.size(), target.halide_target, o.seed);
        fmt::print("tolerance: max |kernel - reference| <= {:g} x max |reference| (per kernel output)\n",
                   codegen::kernel_tolerance);
        int passed = 0, failed = 0;
        for (const codegen::KernelCase &c : cases) {
            const std::string error = fmt::format("{}/kernel-{}/error.txt", cases_dir, c.kernel);
            if (std::filesystem::exists(error)) {
                ++failed;
                fmt::print("{} {}  [{}]  kernel error: {}  FAIL\n", c.function, c.workload, c.algorithm, read_file(error));
                continue;
            }
            const ir::Tensor got = ir::read_npy(codegen::kernel_output_path(cases_dir, c));
            if (got.data.size() != c.expected.data.size())
                user_error("kernel {} ({}): the runner returned {} values, expected {}", c.kernel, c.function,
                           got.data.size(), c.expected.data.size());
            const codegen::Comparison r = codegen::compare_outputs(got.data, c.expected.data);
            ++(r.pass ? passed : failed);
            fmt::print("{} {}  [{}]  max-abs {:.3g}  max-rel {:.3g}  {}\n", c.function, c.workload, c.algorithm,
                       r.max_abs, r.max_rel, r.pass ? "PASS" : "FAIL");
        }
        fmt::print("{} passed, {} failed\n", passed, failed);
        exit_status = failed ? 1 : 0;
    });
}

} // namespace cnnc::driver
