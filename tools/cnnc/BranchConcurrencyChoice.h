// `cnnc compile --branch-concurrency measure`: decides per model, by timing it on this machine,
// whether its fork/join regions run their branches concurrently (codegen/BranchConcurrency.h).
//
// Why measure rather than a rule: whether running branches side by side pays depends on how many
// cores are really free (on the loaded 2-core development machine GoogLeNet with 2 threads was no
// faster than with 1, and concurrency measured 5-7% slower), which no property of the graph
// predicts. So the model is compiled with concurrency off and on (same kernels from the cache; the
// second compile only links), both libraries are timed by the runner (cnnc-run bench, so no model
// runs in this process) in rounds that alternate which goes first, and `on` is kept only when it
// beats `off` by the margin in a majority of rounds. Otherwise, and for models without a region of
// two or more branches, the library is compiled with concurrency off.
#pragma once

#include "codegen/ModelCompiler.h"
#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc::driver {

struct BranchConcurrencyChoice {
    bool has_regions = false;                // otherwise nothing was timed
    std::vector<double> off_ms, on_ms;       // per round, the median run
    int on_wins = 0;                         // rounds where on beat off by the margin
    bool chose_on = false;
};

struct BranchConcurrencyTiming {
    int rounds = 5, runs = 10, warmup = 2;
    int threads = 0;      // 0: one per core
    double margin = 0.03; // on must be this much faster in a round to win it
};

// Compiles `g` to options.library_path with the winning setting (options.concurrency.mode is
// ignored) and returns what was measured.
BranchConcurrencyChoice compile_choosing_branch_concurrency(const ir::Graph &g, const codegen::CompileOptions &options,
                                                            const BranchConcurrencyTiming &timing);

} // namespace cnnc::driver
