// `cnnc tune`: searches the schedule knobs of every distinct conv workload of a model, measuring
// candidates on this machine and appending each trial to a tuning database.
//
// Why candidates are compiled ahead of time and measured in the runner, not with Halide's JIT:
// the issue allows JIT measurement on the CPU target, but an AOT candidate is exactly the object
// `cnnc compile --db` later links, run by the same runner (cnnc-run) that `cnnc bench` uses, in a
// process without libHalide/LLVM (so GPU targets, whose runtimes bring their own LLVM, can use the
// same path later). It costs little more: each candidate is one kernel compile plus a small link
// (about a second), against seconds of Halide compilation either way.
//
// A trial: the workload alone (one conv with its weights and epilogue, in a one-op graph) is
// compiled with the candidate's schedule, run once on seeded inputs and compared with the
// reference interpreter (an output off by more than 1e-4 relative makes the trial invalid: it is
// recorded, and never wins), then timed with `cnnc-run bench --per-layer` (warm-up runs, then the
// kernel alone, repeated, each call after its core's own caches were flushed unless
// `trial_caches` is "warm"; its median is the trial's time).
//
// The search: candidates come from the schedule template's space (ConvSchedules.h), in the
// analytic cost model's order; the model prunes those it estimates more than `prune_factor`
// slower than its best, so trials go to the plausible part of the space. The default schedule
// is measured first for every workload: that gives each workload's share of the model's time.
// Then a task scheduler (after Ansor's) repeatedly gives the next trial to the workload with the
// largest expected saving: its share (calls x best time) times the gain the model still expects
// from its next candidate, decayed by its run of trials without improvement.
#pragma once

#include "ir/Graph.h"

#include <optional>
#include <string>

namespace cnnc::driver {

struct TuneOptions {
    std::string db;             // the JSON-lines database, appended to
    std::string target = "host";
    double budget_seconds = 600;
    std::string cache_dir;      // kernel cache (as compile's)
    int runs = 15, warmup = 3;  // per timed trial
    // The caches a trial's kernel is timed with. "model": each core's own L1/L2 flushed before every
    // timed call (cnnc-run bench --cold-private), so the weights come from the shared last-level
    // cache, as in a model run, where the kernels before it have pushed them out of L2. "warm": the
    // kernel repeated in cache, which favours schedules that re-read their weights: in a ResNet-50
    // tune timed warm, 17 of 20 isolated winners then lost inside the model.
    std::string trial_caches = "model";
    double prune_factor = 1.6;  // candidates estimated slower than this x the best are skipped
    bool progress = false;      // one updating line on stderr (a terminal)
    // "cnnc" (the templates) or a Halide autoscheduler (codegen/Autoscheduler.h): candidates then
    // differ only in their channel block, and records are kept apart by workload key.
    std::string scheduler = "cnnc";
    // The share of the budget kept for the in-model confirmation (InModelConfirmation.h); it runs
    // at least one compile of the model and a few bench rounds even past the budget. 0: none.
    double confirm_share = 0.15;
    // How much faster in the model (a fraction of the default's time) a tuned schedule must be to
    // be chosen; it must also be faster in most rounds (codegen/InModelVerdict.h).
    double confirm_margin = 0.03;
};

// What the in-model confirmation measured.
struct InModelSummary {
    int rounds = 0;
    int confirmed = 0, rejected = 0; // tuned workloads that won / lost in the model
    // Sums over the tuned workloads' calls of the kernels' in-model medians: default schedules,
    // best isolated records, and what compile --db now applies (the winner per workload).
    double default_ms = 0, tuned_ms = 0, applied_ms = 0;
    // The other conv workloads' sums in the two libraries: the same schedules, so their
    // difference is what load and neighbouring kernels alone change (the noise floor).
    double untuned_default_ms = 0, untuned_tuned_ms = 0;
    double model_default_ms = 0, model_tuned_ms = 0; // whole-run medians of the two libraries
};

struct TuneSummary {
    int workloads = 0, trials = 0, invalid = 0;
    int candidates = 0, pruned = 0; // in the template spaces of all workloads; skipped by the model
                                    // (or, under an autoscheduler, for repeating a channel block)
    double default_ms = 0, tuned_ms = 0; // sum over the model's conv calls of default / best time
    std::optional<InModelSummary> in_model; // absent: nothing to confirm, or confirm_share 0
};

TuneSummary tune_model(const ir::Graph &g, const TuneOptions &options);

// "10m", "90s", "1h", "600" (seconds).
double parse_duration(const std::string &text);

} // namespace cnnc::driver
