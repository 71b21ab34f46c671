// The tuner (see Tuner.h): workloads, trials through the runner, the task scheduler.
#include "tools/cnnc/Tuner.h"

#include "codegen/Autoscheduler.h"
#include "codegen/ConvSchedules.h"
#include "codegen/ExecutorGenerator.h"
#include "codegen/GpuScheduleSpace.h"
#include "codegen/KernelCache.h"
#include "codegen/KernelBuilder.h"
#include "codegen/ModelCompiler.h"
#include "codegen/TuningDatabase.h"
#include "codegen/WinogradConvKernel.h"
#include "tools/cnnc/InModelConfirmation.h"
#include "ir/Error.h"
#include "ir/Npy.h"
#include "ir/ShapeInference.h"
#include "reference/Interpreter.h"
#include "tools/cnnc/Runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace cnnc::driver {

namespace {

using Clock = std::chrono::steady_clock;
constexpr double tolerance = 1e-4; // as the codegen tests: relative to the output's largest magnitude

struct Workload {
    std::string key;
    int calls = 0;               // kernel calls in the model with this workload
    ir::Graph graph;             // the conv alone
    std::vector<ir::Tensor> inputs;
    std::vector<float> want;     // the reference interpreter's output
    codegen::ConvShape shape;
    std::vector<codegen::Schedule> candidates; // after pruning, best estimate first
    std::vector<double> estimates;             // the model's, per candidate
    codegen::Schedule default_schedule;
    std::vector<codegen::Schedule> gpu_space;  // GPU targets: the GPU template's knob space
    bool winograd = false;                     // conv-winograd: its own knob space, no cost model
    std::set<std::string> tried;               // schedules with a record (this run or before)
    double default_ms = NAN, best_ms = NAN;
    std::optional<codegen::TuningRecord> default_record, best_record; // valid ones, for the confirmation
    size_t next = 0;              // the next candidate to consider
    int stale = 0;                // trials since the best improved
};

// The op alone: constants shared, activations as graph inputs, the same attributes.
ir::Graph workload_graph(const ir::Graph &g, ir::OpId id) {
    const ir::Op &op = g.op(id);
    ir::Graph sub;
    sub.name = "tune_workload";
    std::vector<ir::ValueId> operands;
    for (ir::ValueId v : op.inputs) {
        const ir::Value &value = g.value(v);
        if (g.constant_data(v))
            operands.push_back(sub.add_constant(value.name, g.op(value.producer).attr<ir::ConstantAttrs>().data));
        else
            operands.push_back(sub.add_input(value.name, g.type(v)));
    }
    std::vector<std::string> names;
    for (ir::ValueId v : op.outputs) names.push_back(g.value(v).name);
    const std::vector<ir::ValueId> results = sub.add_op(op.kind, operands, op.attrs, names, op.origin);
    ir::infer_shapes(sub);
    sub.set_outputs({results[0]});
    return sub;
}

double relative_error(const std::vector<float> &got, const std::vector<float> &want) {
    if (got.size() != want.size()) return INFINITY;
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
        const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
        worst = std::max(worst, std::isnan(d) ? INFINITY : d);
    }
    return worst / scale;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? NAN : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

class Tuner {
  public:
    Tuner(const ir::Graph &g, const TuneOptions &options)
        : options_(options), target_(codegen::with_scheduler(codegen::parse_target(options.target), options.scheduler)), scratch_("cnnc-tune"),
          db_(codegen::TuningDatabase::load(options.db)), graph_(g) {
        if (db_.skipped_lines() > 0)
            fmt::print(stderr, "cnnc tune: {}: skipped {} line(s) that are not records (a cut-off write?)\n",
                       options.db, db_.skipped_lines());
        if (db_.stale_records() > 0)
            fmt::print(stderr,
                       "cnnc tune: {}: {} record(s) of another code generation are kept but not resumed from "
                       "(this build: {})\n",
                       options.db, db_.stale_records(), codegen::generator_generation());
        collect(g);
    }

    TuneSummary run() {
        start_ = Clock::now();
        // The search stops early enough to leave the confirmation its share.
        search_seconds_ = options_.budget_seconds * (1.0 - std::clamp(options_.confirm_share, 0.0, 1.0));
        // Every workload's default first: it is the baseline and gives the workload's share.
        for (size_t i = 0; i < workloads_.size() && !out_of_time(); ++i) {
            Workload &w = workloads_[i];
            if (!w.tried.count(w.default_schedule.to_string())) trial(i, w.default_schedule);
        }
        while (!out_of_time()) {
            const int pick = choose();
            if (pick < 0) break;
            Workload &w = workloads_[static_cast<size_t>(pick)];
            const codegen::Schedule s = w.candidates[w.next++];
            if (w.tried.count(s.to_string())) continue;
            trial(static_cast<size_t>(pick), s);
        }
        std::optional<InModelSummary> in_model;
        if (options_.confirm_share > 0) {
            if (options_.progress) std::fprintf(stderr, "\n[cnnc tune] confirming the tuned schedules inside the model\n");
            std::vector<ConfirmationWorkload> confirm;
            for (const Workload &w : workloads_) {
                if (!w.default_record) continue;
                ConfirmationWorkload c{w.key, *w.default_record, std::nullopt};
                if (w.best_record && w.best_record->median_ms < w.default_record->median_ms) c.tuned_record = w.best_record;
                confirm.push_back(std::move(c));
            }
            const double left = options_.budget_seconds - std::chrono::duration<double>(Clock::now() - start_).count();
            in_model = confirm_in_model(graph_, target_, confirm, options_, left, db_, scratch_.path());
        }
        report(true);
        TuneSummary s = summary();
        s.in_model = in_model;
        return s;
    }

  private:
    void collect(const ir::Graph &g) {
        const codegen::ModelPlan plan = codegen::plan_model(g, target_);
        const std::string generation = codegen::generator_generation();
        std::map<std::string, size_t> index;
        for (const codegen::KernelPlan &k : plan.kernels) {
            const std::string key = codegen::workload_key(g, k.op, k.result_index, target_);
            if (key.empty() || k.algorithm == "conv-grouped-generic") continue;
            auto [it, fresh] = index.emplace(key, workloads_.size());
            if (fresh) {
                Workload w;
                w.key = key;
                w.graph = workload_graph(g, k.op);
                w.shape = codegen::conv_shape_of(g.op(k.op).attr<ir::Conv2DAttrs>(), k);
                w.default_schedule = k.schedule;
                w.winograd = k.algorithm == "conv-winograd";
                if (target_.gpu()) w.gpu_space = codegen::gpu_conv_candidates(g, k);
                workloads_.push_back(std::move(w));
            }
            ++workloads_[it->second].calls;
        }
        for (Workload &w : workloads_) {
            const std::vector<codegen::Schedule> all =
                target_.gpu()                   ? w.gpu_space
                : w.winograd                    ? codegen::winograd_candidates(w.shape, target_)
                                                : codegen::conv_candidates(w.shape, target_);
            summary_.candidates += static_cast<int>(all.size());
            const double best = all.empty() ? 0 : model_ms(w, all.front());
            std::set<std::pair<int, int>> blocks;
            for (const codegen::Schedule &s : all) {
                const double estimate = model_ms(w, s);
                // Under an autoscheduler only the channel block (the weight packing, part of the
                // algorithm) matters; the template's other knobs would give the same kernel.
                const bool same_block = !target_.scheduler.empty() &&
                                        !blocks.emplace(s.vector_width, s.channel_vectors).second;
                if (estimate > options_.prune_factor * best || same_block) {
                    ++summary_.pruned;
                    continue;
                }
                w.candidates.push_back(s);
                w.estimates.push_back(estimate);
            }
            for (const codegen::TuningRecord &r : db_.records())
                if (r.workload == w.key && r.generator == generation) {
                    w.tried.insert(r.schedule.to_string());
                    if (r.schedule.to_string() == w.default_schedule.to_string() && r.valid) {
                        w.default_ms = r.median_ms;
                        w.default_record = r;
                    }
                    if (r.valid && !(r.median_ms >= w.best_ms)) {
                        w.best_ms = r.median_ms;
                        w.best_record = r;
                    }
                }
        }
    }

    // The cost model's estimate of `s`. GPU targets have no model: every candidate is estimated
    // alike, so none is pruned, they are tried in the space's order (nearest the default first),
    // and the scheduler weighs workloads by their measured share alone.
    double model_ms(const Workload &w, const codegen::Schedule &s) const {
        // No cost model of the GPU or Winograd kernels: every candidate estimates alike, so none
        // is pruned and they are measured in the order their space lists them.
        return target_.gpu() || w.winograd ? 1.0 : codegen::estimate_conv_ms(w.shape, s, target_);
    }

    bool out_of_time() const {
        return std::chrono::duration<double>(Clock::now() - start_).count() >= search_seconds_;
    }

    // The workload whose next trial is expected to save the most model time; -1 when none has
    // candidates left.
    int choose() {
        int pick = -1;
        double best_priority = 0;
        for (size_t i = 0; i < workloads_.size(); ++i) {
            Workload &w = workloads_[i];
            while (w.next < w.candidates.size() && w.tried.count(w.candidates[w.next].to_string())) ++w.next;
            if (w.next >= w.candidates.size() || std::isnan(w.best_ms)) continue;
            // The model's estimates, calibrated by the default's measured time.
            const double calibration =
                std::isnan(w.default_ms) ? 1.0
                                         : w.default_ms / model_ms(w, w.default_schedule);
            const double expected = w.estimates[w.next] * calibration;
            const double gain = std::max(0.03, 1.0 - expected / w.best_ms) * std::pow(0.8, w.stale);
            const double priority = w.calls * w.best_ms * gain;
            if (priority > best_priority) {
                best_priority = priority;
                pick = static_cast<int>(i);
            }
        }
        return pick;
    }

    void trial(size_t index, const codegen::Schedule &s) {
        Workload &w = workloads_[index];
        w.tried.insert(s.to_string());
        codegen::TuningRecord record;
        record.workload = w.key;
        record.schedule = s;
        record.unix_time = static_cast<int64_t>(std::time(nullptr));
        const std::string stem = fmt::format("{}/w{}_{}", scratch_.path(), index, summary_.trials);
        codegen::CompileOptions compile;
        compile.library_path = stem + ".so";
        compile.target = options_.target;
        compile.scheduler = options_.scheduler;
        compile.cache_dir = options_.cache_dir;
        compile.jobs = 1;
        compile.tuned[w.key] = s;
        codegen::compile_model(w.graph, compile);
        // Validate: the candidate's output against the reference on the same inputs.
        if (w.inputs.empty()) prepare_inputs(w);
        std::vector<std::string> run{runner_path(), compile.library_path};
        for (size_t i = 0; i < w.inputs.size(); ++i) {
            const std::string path = fmt::format("{}/w{}_in{}.npy", scratch_.path(), index, i);
            run.insert(run.end(), {"--input", fmt::format("{}={}", w.graph.value(w.graph.inputs()[i]).name, path)});
        }
        run.insert(run.end(), {"-o", stem + "_out.npy"});
        if (spawn_and_wait(run) == 0) record.error = relative_error(ir::read_npy(stem + "_out.npy").data, w.want);
        else record.error = INFINITY;
        record.valid = record.error <= tolerance;
        if (record.valid) {
            const std::string report = stem + ".bench";
            std::vector<std::string> bench{runner_path(), "bench", compile.library_path, "--report", report, "--runs",
                                           std::to_string(options_.runs), "--warmup", std::to_string(options_.warmup),
                                           "--per-layer", "--peak-cache-dir", codegen::KernelCache(options_.cache_dir).dir()};
            if (options_.trial_caches == "model") bench.push_back("--cold-private");
            const int status = spawn_and_wait(bench);
            std::vector<double> times = status == 0 ? kernel_times(report) : std::vector<double>{};
            if (times.empty()) record.valid = false;
            else {
                record.median_ms = median(times);
                record.min_ms = *std::min_element(times.begin(), times.end());
            }
        }
        db_.append(options_.db, record);
        ++summary_.trials;
        if (!record.valid) ++summary_.invalid;
        if (record.valid) {
            if (s.to_string() == w.default_schedule.to_string()) {
                w.default_ms = record.median_ms;
                w.default_record = record;
            }
            if (std::isnan(w.best_ms) || record.median_ms < w.best_ms) {
                w.stale = w.best_ms > 0 && record.median_ms > 0.97 * w.best_ms ? w.stale + 1 : 0;
                w.best_ms = record.median_ms;
                w.best_record = record;
            } else {
                ++w.stale;
            }
        } else {
            ++w.stale;
        }
        report(false);
    }

    void prepare_inputs(Workload &w) {
        uint32_t seed = 1;
        for (size_t i = 0; i < w.graph.inputs().size(); ++i) {
            ir::Tensor t(w.graph.type(w.graph.inputs()[i]));
            std::mt19937 rng(seed++);
            std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
            for (float &v : t.data) v = dist(rng);
            const size_t index = static_cast<size_t>(&w - workloads_.data());
            ir::write_npy(fmt::format("{}/w{}_in{}.npy", scratch_.path(), index, i), t);
            w.inputs.push_back(std::move(t));
        }
        w.want = reference::run(w.graph, w.inputs).at(0).data;
    }

    // The conv kernel's per-run times from a `cnnc-run bench --per-layer` report.
    static std::vector<double> kernel_times(const std::string &report) {
        std::ifstream in(report);
        std::string line;
        std::vector<double> times;
        while (std::getline(in, line)) {
            std::istringstream fields(line.substr(0, line.find('\t')));
            std::string tag, index, flops, algorithm, function;
            fields >> tag >> index >> flops >> algorithm >> function;
            if (tag != "kernel" || algorithm.rfind("conv", 0) != 0) continue;
            for (double ms; fields >> ms;) times.push_back(ms);
        }
        return times;
    }

    TuneSummary summary() const {
        TuneSummary s = summary_;
        s.workloads = static_cast<int>(workloads_.size());
        for (const Workload &w : workloads_) {
            if (std::isnan(w.default_ms) || std::isnan(w.best_ms)) continue;
            s.default_ms += w.calls * w.default_ms;
            s.tuned_ms += w.calls * std::min(w.best_ms, w.default_ms);
        }
        return s;
    }

    void report(bool final) {
        if (!options_.progress) return;
        const TuneSummary s = summary();
        int measured = 0;
        for (const Workload &w : workloads_) measured += !std::isnan(w.best_ms);
        const double left = std::max(0.0, search_seconds_ - std::chrono::duration<double>(Clock::now() - start_).count());
        std::fprintf(stderr, "\r[cnnc tune] workloads %d/%d, %d trials (%d invalid), convs %.2fx faster, %.0fs left   %s",
                     measured, s.workloads, s.trials, s.invalid, s.tuned_ms > 0 ? s.default_ms / s.tuned_ms : 1.0, left,
                     final ? "\n" : "");
        std::fflush(stderr);
    }

    TuneOptions options_;
    codegen::TargetInfo target_;
    ScratchFolder scratch_;
    codegen::TuningDatabase db_;
    std::vector<Workload> workloads_;
    TuneSummary summary_;
    ir::Graph graph_; // the model, for the confirmation's whole-model compiles
    Clock::time_point start_;
    double search_seconds_ = 0;
};

} // namespace

double parse_duration(const std::string &text) {
    size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception &) {
        user_error("--budget {}: expected a duration like 90s, 10m or 1h", text);
    }
    const std::string unit = text.substr(used);
    const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
    if (scale < 0 || value <= 0) user_error("--budget {}: expected a positive duration like 90s, 10m or 1h", text);
    return value * scale;
}

TuneSummary tune_model(const ir::Graph &g, const TuneOptions &options) {
    if (options.db.empty()) user_error("no tuning database given (--db tuning.jsonl)");
    Tuner tuner(g, options);
    return tuner.run();
}

} // namespace cnnc::driver
