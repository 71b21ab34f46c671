// The last phase of `cnnc tune`: checks that each tuned schedule also wins inside the model.
//
// Why: a trial times a conv alone in a one-kernel library, warm and repeated back to back; in
// the model the same kernel reads an input the previous layer just wrote and weights that the
// other layers evicted. On ResNet-50 the isolated trials summed to 1.13x faster convs while the
// whole model tuned ran slower than with the default schedules. So the whole model is compiled
// twice through the normal compile path (default schedules; every workload's best isolated
// record), both libraries are run with profiled runs (`cnnc-run bench --per-layer`, which times
// every step inside real runs) in interleaved rounds, and each tuned workload's median time per
// call in the model is compared with its default's.
//
// The verdict goes to the database, not to a side file: per tuned workload, the default's and the
// tuned schedule's records are appended again carrying "in_model_ms", with one unix_time for the
// round; TuningDatabase::best() then ranks that workload by in-model time (codegen/
// TuningDatabase.h), so `cnnc compile --db` applies a tuned record only where it won in the model.
// Nothing is appended before all rounds are measured: a kill loses this phase only, never a trial.
#pragma once

#include "codegen/InModelVerdict.h"
#include "codegen/KernelSignature.h"
#include "codegen/TuningDatabase.h"
#include "ir/Graph.h"
#include "tools/cnnc/Tuner.h"

#include <optional>
#include <string>
#include <vector>

namespace cnnc::driver {

// A conv workload as the search left it.
struct ConfirmationWorkload {
    std::string key;
    codegen::TuningRecord default_record;             // its valid isolated trial
    std::optional<codegen::TuningRecord> tuned_record; // the best isolated trial, when it beats the default
};

// The records one round appends for a tuned workload: both schedules with their in-model times,
// the round's time and the verdict ("chosen"). The default goes first, so a kill between the two
// lines leaves a round without a chosen tuned record, which applies the default.
std::vector<codegen::TuningRecord> confirmation_records(const ConfirmationWorkload &w, const codegen::InModelTimes &times,
                                                        int64_t round_time, bool tuned_chosen);

// A round's unix_time: now, or one past the database's latest confirmation if that is not older
// (best() compares only the records of a workload's latest round).
int64_t next_round_time(const codegen::TuningDatabase &db, int64_t now);

// Compiles, runs and compares as above, appending the verdicts to options.db (and `db`). Runs at
// least `min_rounds` rounds, then more while `seconds` (from the call) last. Returns nullopt, with
// nothing appended, when no workload has a tuned record to confirm.
std::optional<InModelSummary> confirm_in_model(const ir::Graph &g, const codegen::TargetInfo &target,
                                             const std::vector<ConfirmationWorkload> &workloads,
                                             const TuneOptions &options, double seconds, codegen::TuningDatabase &db,
                                             const std::string &scratch);

} // namespace cnnc::driver
