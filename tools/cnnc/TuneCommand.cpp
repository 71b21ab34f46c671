// `cnnc tune MODEL --budget 10m --db tuning.jsonl [--target host]`: optimises the model as
// `compile` does (-O2 by default, so the workloads are the ones compile will plan), then tunes
// the schedules of its conv workloads within the budget (Tuner.h), appending every trial to the
// database, and confirms the tuned schedules inside the whole model (InModelConfirmation.h).
// `cnnc compile --db` applies the results. Progress on a terminal; a summary always.
#include "ir/Error.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"
#include "tools/cnnc/Tuner.h"

#include <fmt/format.h>

#include <memory>

#include <unistd.h>

namespace cnnc::driver {

void add_tune_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        TuneOptions tune;
        std::string budget = "10m";
        bool quiet = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "tune", "Tune the schedules of a model's convolutions on this machine into a tuning database");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, true);
    command->add_option("--db", options->tune.db, "The tuning database (JSON lines), created or appended to")
        ->required();
    command->add_option("--budget", options->budget, "Wall-clock budget: 90s, 10m, 1h")->default_val("10m");
    command->add_option("--target", options->tune.target, "Halide target string, or host")->default_val("host");
    add_scheduler_option(*command, options->tune.scheduler);
    command->add_option("--cache-dir", options->tune.cache_dir,
                        "Kernel cache folder (default: $CNNC_CACHE_DIR or ~/.cache/cnnc)");
    command->add_option("--runs", options->tune.runs, "Timed runs per trial")->check(CLI::PositiveNumber);
    command->add_option("--trial-caches", options->tune.trial_caches,
                        "model: time each trial's kernel after flushing each core's own caches, so its weights come "
                        "from the shared cache as in a model run; warm: the kernel repeated in cache")
        ->check(CLI::IsMember({"model", "warm"}))
        ->default_val("model");
    command->add_option("--prune", options->tune.prune_factor,
                        "Skip candidates the cost model estimates this many times slower than its best")
        ->check(CLI::Range(1.0, 100.0));
    command->add_option("--confirm-share", options->tune.confirm_share,
                        "Share of the budget kept for confirming tuned schedules inside the whole model (0: off)")
        ->check(CLI::Range(0.0, 0.9));
    command->add_option("--confirm-margin", options->tune.confirm_margin,
                        "How much faster inside the model a tuned schedule must be to be applied (a fraction of "
                        "the default's time; it must also win most rounds)")
        ->check(CLI::Range(0.0, 0.5));
    command->add_flag("-q,--quiet", options->quiet, "No progress display, even on a terminal");
    command->callback([options, &exit_status] {
        options->tune.budget_seconds = parse_duration(options->budget);
        options->tune.progress = !options->quiet && isatty(STDERR_FILENO);
        const ir::Graph g = options->pipeline.run(options->model.load());
        const TuneSummary s = tune_model(g, options->tune);
        fmt::print("cnnc tune: {} conv workloads, {} trials ({} invalid) appended to {}; the cost model "
                   "skipped {} of {} candidates{}; conv time {:.3f} ms default -> {:.3f} ms tuned ({:.2f}x)\n",
                   s.workloads, s.trials, s.invalid, options->tune.db, s.pruned, s.candidates,
                   options->tune.scheduler == "cnnc" ? "" : " (or they share a channel block under the autoscheduler)",
                   s.default_ms,
                   s.tuned_ms, s.tuned_ms > 0 ? s.default_ms / s.tuned_ms : 1.0);
        if (const std::optional<InModelSummary> &m = s.in_model) {
            const auto ratio = [](double before, double after) { return after > 0 ? before / after : 1.0; };
            fmt::print("cnnc tune: in the model ({} interleaved rounds), the {} tuned workloads' kernels: {:.3f} ms "
                       "default -> {:.3f} ms with their best isolated records ({:.2f}x); {} won in the model, {} lost "
                       "and are not applied: {:.3f} ms applied ({:.2f}x). Untuned conv kernels (same schedules in "
                       "both, so this is noise): {:.3f} vs {:.3f} ms\n",
                       m->rounds, m->confirmed + m->rejected, m->default_ms, m->tuned_ms,
                       ratio(m->default_ms, m->tuned_ms), m->confirmed, m->rejected, m->applied_ms,
                       ratio(m->default_ms, m->applied_ms), m->untuned_default_ms, m->untuned_tuned_ms);
            fmt::print("cnnc tune: whole model, median run: {:.3f} ms default, {:.3f} ms with every best isolated "
                       "record ({:.2f}x)\n",
                       m->model_default_ms, m->model_tuned_ms, ratio(m->model_default_ms, m->model_tuned_ms));
        } else if (options->tune.confirm_share > 0) {
            fmt::print("cnnc tune: no tuned record beats its default in isolation; nothing to confirm in the model\n");
        }
        exit_status = 0;
    });
}

} // namespace cnnc::driver
