// Compile with branch concurrency off and on, time both, keep the faster (see
// BranchConcurrencyChoice.h).
#include "tools/cnnc/BranchConcurrencyChoice.h"

#include "codegen/ExecutorGenerator.h"
#include "codegen/KernelBuilder.h"
#include "ir/Error.h"
#include "tools/cnnc/Runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace cnnc::driver {

namespace {

double median(std::vector<double> v) {
    internal_assert(!v.empty(), "the median of no runs");
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One `cnnc-run bench` of `library`: the median of its timed runs (the report's run_ms line).
double time_library(const std::string &library, const std::string &report, const BranchConcurrencyTiming &timing,
                    int threads) {
    const int status = spawn_and_wait({runner_path(), "bench", library, "--report", report, "--runs",
                                       std::to_string(timing.runs), "--warmup", std::to_string(timing.warmup),
                                       "--threads", std::to_string(threads)});
    if (status != 0) user_error("{}: cnnc-run bench failed (exit status {}) while timing branch concurrency", library, status);
    std::ifstream in(report);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string tag;
        fields >> tag;
        if (tag != "run_ms") continue;
        std::vector<double> runs;
        for (double ms; fields >> ms;) runs.push_back(ms);
        if (!runs.empty()) return median(runs);
    }
    user_error("{}: no run_ms line in the runner's report", report);
}

} // namespace

BranchConcurrencyChoice compile_choosing_branch_concurrency(const ir::Graph &g, const codegen::CompileOptions &options,
                                                            const BranchConcurrencyTiming &timing) {
    BranchConcurrencyChoice choice;
    codegen::CompileOptions off = options, on = options;
    off.concurrency.mode = codegen::BranchConcurrencyMode::off;
    on.concurrency.mode = codegen::BranchConcurrencyMode::on;
    const codegen::TargetInfo target = codegen::parse_target(options.target);
    choice.has_regions =
        !target.gpu() && !codegen::plan_model(g, target, nullptr, on.concurrency).concurrent.empty();
    if (choice.has_regions) {
        const ScratchFolder scratch("cnnc-branch-concurrency");
        const std::string off_lib = scratch.path() + "/liboff.so", on_lib = scratch.path() + "/libon.so";
        off.library_path = off_lib;
        on.library_path = on_lib;
        codegen::compile_model(g, off);
        on.progress = false; // the same kernels, from the cache: only the link is left
        codegen::compile_model(g, on);
        const int threads =
            timing.threads > 0 ? timing.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        const std::string report = scratch.path() + "/bench.txt";
        for (int r = 0; r < timing.rounds; ++r) {
            // Alternate which goes first, so a change of load mid-round falls on both alike.
            if (r % 2 == 0) {
                choice.off_ms.push_back(time_library(off_lib, report, timing, threads));
                choice.on_ms.push_back(time_library(on_lib, report, timing, threads));
            } else {
                choice.on_ms.push_back(time_library(on_lib, report, timing, threads));
                choice.off_ms.push_back(time_library(off_lib, report, timing, threads));
            }
            choice.on_wins += choice.on_ms.back() < choice.off_ms.back() * (1 - timing.margin);
        }
        choice.chose_on = 2 * choice.on_wins > timing.rounds;
    }
    codegen::CompileOptions chosen = choice.chose_on ? on : off;
    chosen.library_path = options.library_path;
    chosen.progress = false;
    codegen::compile_model(g, chosen);
    return choice;
}

} // namespace cnnc::driver
