// In-model confirmation of tuned schedules (see InModelConfirmation.h).
#include "tools/cnnc/InModelConfirmation.h"

#include "codegen/ExecutorGenerator.h"
#include "codegen/KernelCache.h"
#include "codegen/ModelCompiler.h"
#include "ir/Error.h"
#include "tools/cnnc/Runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

namespace cnnc::driver {

namespace {

using Clock = std::chrono::steady_clock;
// Medians over fewer rounds than this would let one preempted round decide.
constexpr int min_rounds = 3;
constexpr int max_rounds = 9;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? NAN : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// One library's times over all rounds: whole runs, and each kernel step's profiled times.
struct LibraryTimes {
    std::string path;
    std::vector<double> run_ms;
    std::vector<std::vector<std::vector<double>>> kernel_ms; // by round, then kernel index
};

// Appends one `cnnc-run bench --per-layer` report to `times`.
void read_report(const std::string &report, size_t kernels, LibraryTimes &times) {
    std::ifstream in(report);
    if (!in) user_error("{}: the runner wrote no report for {}", report, times.path);
    std::vector<std::vector<double>> this_round(kernels);
    std::string line;
    size_t seen = 0;
    while (std::getline(in, line)) {
        std::istringstream fields(line.substr(0, line.find('\t')));
        std::string tag;
        fields >> tag;
        if (tag == "run_ms") {
            for (double ms; fields >> ms;) times.run_ms.push_back(ms);
        } else if (tag == "kernel") {
            size_t index = 0;
            std::string flops, algorithm, function;
            fields >> index >> flops >> algorithm >> function;
            internal_assert(index < kernels, "{}: kernel {} of a model planned with {} kernels", report, index, kernels);
            for (double ms; fields >> ms;) this_round[index].push_back(ms);
            ++seen;
        }
    }
    internal_assert(seen == kernels, "{}: {} kernel lines, but the model's plan has {} kernels", report, seen, kernels);
    times.kernel_ms.push_back(std::move(this_round));
}

void bench(const TuneOptions &options, const std::string &report, LibraryTimes &times, size_t kernels) {
    const int status = spawn_and_wait({runner_path(), "bench", times.path, "--report", report, "--runs",
                                       std::to_string(options.runs), "--warmup", std::to_string(options.warmup),
                                       "--per-layer", "--peak-cache-dir", codegen::KernelCache(options.cache_dir).dir()});
    if (status != 0) user_error("{}: cnnc-run bench failed (exit status {}) while confirming tuned schedules", times.path, status);
    read_report(report, kernels, times);
}

} // namespace

std::vector<codegen::TuningRecord> confirmation_records(const ConfirmationWorkload &w, const codegen::InModelTimes &times,
                                                        int64_t round_time, bool tuned_chosen) {
    internal_assert(w.tuned_record.has_value(), "confirming workload {} without a tuned record", w.key);
    codegen::TuningRecord default_record = w.default_record, tuned_record = *w.tuned_record;
    default_record.in_model_ms = times.default_ms;
    tuned_record.in_model_ms = times.tuned_ms;
    default_record.unix_time = tuned_record.unix_time = round_time;
    default_record.chosen = !tuned_chosen;
    tuned_record.chosen = tuned_chosen;
    // The verdict is about the code this build generates.
    default_record.generator = tuned_record.generator = codegen::generator_generation();
    return {default_record, tuned_record};
}

int64_t next_round_time(const codegen::TuningDatabase &db, int64_t now) {
    int64_t latest = 0;
    for (const codegen::TuningRecord &r : db.records())
        if (!std::isnan(r.in_model_ms)) latest = std::max(latest, r.unix_time);
    return std::max(now, latest + 1);
}

std::optional<InModelSummary> confirm_in_model(const ir::Graph &g, const codegen::TargetInfo &target,
                                             const std::vector<ConfirmationWorkload> &workloads,
                                             const TuneOptions &options, double seconds, codegen::TuningDatabase &db,
                                             const std::string &scratch) {
    const auto start = Clock::now();
    codegen::TunedSchedules tuned;
    for (const ConfirmationWorkload &w : workloads)
        if (w.tuned_record) tuned[w.key] = w.tuned_record->schedule;
    if (tuned.empty()) return std::nullopt;

    // Which workload each kernel step runs (the executor calls the plan's kernels in order).
    const codegen::ModelPlan plan = codegen::plan_model(g, target);
    std::vector<std::string> step_workload;
    for (const codegen::KernelPlan &k : plan.kernels)
        step_workload.push_back(codegen::workload_key(g, k.op, k.result_index, target));

    LibraryTimes default_lib{scratch + "/libconfirm_default.so", {}, {}};
    LibraryTimes tuned_lib{scratch + "/libconfirm_tuned.so", {}, {}};
    for (LibraryTimes *lib : {&default_lib, &tuned_lib}) {
        codegen::CompileOptions compile;
        compile.library_path = lib->path;
        compile.target = options.target;
        compile.scheduler = options.scheduler;
        compile.cache_dir = options.cache_dir;
        if (lib == &tuned_lib) compile.tuned = tuned;
        const codegen::CompileStats stats = codegen::compile_model(g, compile);
        internal_assert(static_cast<size_t>(stats.kernels) == plan.kernels.size(),
                        "the compiled model has {} kernels, its plan {}", stats.kernels, plan.kernels.size());
    }

    // Interleaved, alternating which library goes first, so a change of load over time falls on
    // both alike.
    InModelSummary result;
    const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    while (result.rounds < min_rounds || (result.rounds < max_rounds && elapsed() < seconds)) {
        const bool default_first = result.rounds % 2 == 0;
        for (LibraryTimes *lib : default_first ? std::vector<LibraryTimes *>{&default_lib, &tuned_lib}
                                               : std::vector<LibraryTimes *>{&tuned_lib, &default_lib})
            bench(options, fmt::format("{}/confirm_{}_{}.report", scratch, lib == &tuned_lib ? "tuned" : "default",
                                       result.rounds),
                  *lib, plan.kernels.size());
        ++result.rounds;
    }

    // Per workload: the median per call of its steps, over every call in every run, and in how
    // many rounds the tuned library's median per call was the lower.
    std::map<std::string, std::vector<double>> default_ms, tuned_ms;
    std::map<std::string, int> calls;
    auto gather = [&](const std::vector<std::vector<double>> &kernel_ms, std::map<std::string, std::vector<double>> &out) {
        for (size_t k = 0; k < step_workload.size(); ++k)
            if (!step_workload[k].empty())
                out[step_workload[k]].insert(out[step_workload[k]].end(), kernel_ms[k].begin(), kernel_ms[k].end());
    };
    for (const std::string &key : step_workload)
        if (!key.empty()) ++calls[key];
    std::map<std::string, int> tuned_faster_rounds;
    for (int r = 0; r < result.rounds; ++r) {
        std::map<std::string, std::vector<double>> round_default, round_tuned;
        gather(default_lib.kernel_ms[static_cast<size_t>(r)], round_default);
        gather(tuned_lib.kernel_ms[static_cast<size_t>(r)], round_tuned);
        for (const auto &[key, ms] : round_default) {
            const std::vector<double> &tuned = round_tuned[key];
            if (median(tuned) < median(ms)) ++tuned_faster_rounds[key];
            default_ms[key].insert(default_ms[key].end(), ms.begin(), ms.end());
            tuned_ms[key].insert(tuned_ms[key].end(), tuned.begin(), tuned.end());
        }
    }
    const int64_t round_time = next_round_time(db, static_cast<int64_t>(std::time(nullptr)));
    for (const ConfirmationWorkload &w : workloads) {
        if (!calls.count(w.key)) continue;
        const codegen::InModelTimes times{median(default_ms[w.key]), median(tuned_ms[w.key]), result.rounds,
                                 tuned_faster_rounds[w.key]};
        const int n = calls[w.key];
        if (!w.tuned_record) {
            result.untuned_default_ms += n * times.default_ms;
            result.untuned_tuned_ms += n * times.tuned_ms;
            continue;
        }
        result.default_ms += n * times.default_ms;
        result.tuned_ms += n * times.tuned_ms;
        const bool wins = codegen::tuned_wins(times, options.confirm_margin);
        ++(wins ? result.confirmed : result.rejected);
        result.applied_ms += n * (wins ? times.tuned_ms : times.default_ms);
        for (const codegen::TuningRecord &r : confirmation_records(w, times, round_time, wins)) db.append(options.db, r);
    }
    result.model_default_ms = median(default_lib.run_ms);
    result.model_tuned_ms = median(tuned_lib.run_ms);
    return result;
}

} // namespace cnnc::driver
