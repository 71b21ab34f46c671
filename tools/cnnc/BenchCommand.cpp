// `cnnc bench MODEL|libNAME.so`: latency and throughput of a compiled model, and with
// --per-layer where the time goes, step by step of a run: the input layout conversion (NCHW to
// the library's channels-innermost layout), each kernel, the output conversion. The steps are
// timed inside real runs, and a row's time is its mean over the typical runs (the middle half by
// total), so the rows add up to a typical run; beside it each step's fastest time, the least
// disturbed by other processes, gives GFLOP/s and the share of the machine's measured FMA peak. Most expensive first; --svg draws it. What the rows do not cover is printed as the
// residual, split into whole vs profiled runs and profiled median vs typical mean.
// A model is compiled first (-O2) into a scratch folder. The timing itself happens in the runner
// (cnnc-run bench, which documents what exactly is timed); this process only formats. The peak
// is measured by the runner's FMA probe and cached in the kernel cache folder, one file per probe
// version, ISA and thread count.
#include "codegen/KernelCache.h"
#include "codegen/ModelCompiler.h"
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"
#include "tools/cnnc/Runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <numeric>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace cnnc::driver {

namespace {

// One step of a run: a kernel, or a layout conversion at the library's boundary.
struct StepTiming {
    bool boundary = false;
    int index = 0; // kernels: the execution index
    int64_t flops = 0;
    std::string algorithm, function, name;
    std::vector<double> ms;
    // typical_ms: the mean over the typical runs (see Report), so the steps add up to a typical
    // run, the waits for a core included where they landed; best_ms: the step's fastest time, the
    // one least disturbed by other processes, so GFLOP/s and % of peak use it (as the FMA probe
    // keeps its best trial). On a machine this loaded even a step's median is not that: a
    // ResNet-50 conv of 2.4 ms at best had a median of 12 ms at a load average of 17.
    double typical_ms = 0, best_ms = 0, share = 0, gflops = 0, peak_percent = 0;
};

struct Report {
    std::string model, library, peak_isa;
    int threads = 0, runs = 0, warmup = 0;
    int64_t batch = 1;
    bool cold = false, cold_private = false; // cold_private: only each core's own caches flushed
    std::vector<double> run_ms, profiled_run_ms, run_preemptions;
    double peak_gflops = 0, clock_read_ns = 0;
    std::vector<StepTiming> steps; // sorted by share, largest first
    double median_ms = 0, min_ms = 0, max_ms = 0;
    // The typical runs: the middle half of the profiled runs by their total time. A sum of each
    // step's median is not a run: on a loaded machine every run loses time to other processes,
    // but any one step rarely does, so that sum falls far below the whole-model median (56-64%
    // on ResNet-50 with the machine's load average at 17). Means over the same runs add up.
    std::vector<size_t> typical_runs;
    double step_sum_ms = 0, step_best_sum_ms = 0, profiled_median_ms = 0, typical_run_ms = 0;
    int kernels = 0;
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<double> numbers(std::istringstream &in) {
    std::vector<double> v;
    for (double x; in >> x;) v.push_back(x);
    return v;
}

std::string boundary_name(const std::string &key) {
    if (key == "input_layout") return "input layout (NCHW to internal)";
    if (key == "output_layout") return "output layout (internal to NCHW)";
    return key;
}

// Reads the runner's report (format in tools/cnnc-run/BenchMode.cpp) and derives the statistics.
Report read_report(const std::string &path) {
    Report r;
    std::istringstream lines(read_file(path));
    std::string line;
    while (std::getline(lines, line)) {
        std::string name;
        if (const size_t tab = line.find('\t'); tab != std::string::npos) {
            name = line.substr(tab + 1);
            line.resize(tab);
        }
        std::istringstream in(line);
        std::string key;
        in >> key;
        if (key == "model") in >> r.model;
        else if (key == "threads") in >> r.threads;
        else if (key == "batch") in >> r.batch;
        else if (key == "run_ms") r.run_ms = numbers(in);
        else if (key == "profiled_run_ms") r.profiled_run_ms = numbers(in);
        else if (key == "run_preemptions") r.run_preemptions = numbers(in);
        else if (key == "clock_read_ns") in >> r.clock_read_ns;
        else if (key == "peak_gflops") {
            in >> r.peak_gflops;
            std::getline(in >> std::ws, r.peak_isa);
        } else if (key == "kernel") {
            StepTiming k;
            in >> k.index >> k.flops >> k.algorithm >> k.function;
            k.ms = numbers(in);
            k.name = name;
            r.steps.push_back(std::move(k));
            ++r.kernels;
        } else if (key == "boundary") {
            StepTiming b;
            b.boundary = true;
            std::string which;
            in >> which;
            b.name = boundary_name(which);
            b.algorithm = "layout";
            b.ms = numbers(in);
            r.steps.push_back(std::move(b));
        }
    }
    internal_assert(!r.run_ms.empty(), "the runner's report {} has no timings", path);
    r.median_ms = median(r.run_ms);
    r.min_ms = *std::min_element(r.run_ms.begin(), r.run_ms.end());
    r.max_ms = *std::max_element(r.run_ms.begin(), r.run_ms.end());
    r.profiled_median_ms = median(r.profiled_run_ms);
    const size_t n = r.profiled_run_ms.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return r.profiled_run_ms[a] < r.profiled_run_ms[b]; });
    r.typical_runs.assign(order.begin() + static_cast<long>(n / 4), order.begin() + static_cast<long>(n - n / 4));
    for (size_t run : r.typical_runs) r.typical_run_ms += r.profiled_run_ms[run] / static_cast<double>(r.typical_runs.size());
    for (StepTiming &k : r.steps) {
        internal_assert(k.ms.size() == n, "{}: {} has {} times for {} profiled runs", path, k.name, k.ms.size(), n);
        for (size_t run : r.typical_runs) k.typical_ms += k.ms[run] / static_cast<double>(r.typical_runs.size());
        k.best_ms = k.ms.empty() ? 0 : *std::min_element(k.ms.begin(), k.ms.end());
        r.step_sum_ms += k.typical_ms;
        r.step_best_sum_ms += k.best_ms;
        k.gflops = k.best_ms > 0 ? static_cast<double>(k.flops) / (k.best_ms * 1e6) : 0;
        k.peak_percent = r.peak_gflops > 0 ? 100 * k.gflops / r.peak_gflops : 0;
    }
    for (StepTiming &k : r.steps) k.share = r.step_sum_ms > 0 ? k.typical_ms / r.step_sum_ms : 0;
    std::stable_sort(r.steps.begin(), r.steps.end(),
                     [](const StepTiming &a, const StepTiming &b) { return a.share > b.share; });
    return r;
}

double throughput(const Report &r) { return r.median_ms > 0 ? r.batch * 1000.0 / r.median_ms : 0; }

std::string json_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\', out += c;
        else if (static_cast<unsigned char>(c) < 32) out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        else out += c;
    }
    return out + "\"";
}

std::string format_json(const Report &r, bool per_layer) {
    std::string s = fmt::format(
        "{{\n  \"model\": {},\n  \"library\": {},\n  \"threads\": {},\n  \"runs\": {},\n  \"warmup\": {},\n"
        "  \"cold\": {},\n  \"cold_private\": {},\n  \"batch\": {},\n  \"latency_ms\": {{\"median\": {:.6f}, \"min\": {:.6f}, \"max\": {:.6f}}},\n"
        "  \"throughput_per_s\": {:.3f},\n  \"preemptions_per_run\": {:.1f}",
        json_string(r.model), json_string(r.library), r.threads, r.runs, r.warmup, r.cold, r.cold_private, r.batch, r.median_ms,
        r.min_ms, r.max_ms, throughput(r), median(r.run_preemptions));
    if (per_layer) {
        s += fmt::format(",\n  \"peak_gflops\": {:.3f},\n  \"peak_probe\": {},\n  \"typical_runs\": {},\n"
                         "  \"step_sum_ms\": {:.6f},\n  \"step_best_sum_ms\": {:.6f},\n  \"profiled_run_median_ms\": {:.6f},\n"
                         "  \"residual_ms\": {:.6f},\n  \"clock_read_ns\": {:.3f},\n  \"steps\": [",
                         r.peak_gflops, json_string(r.peak_isa), r.typical_runs.size(), r.step_sum_ms,
                         r.step_best_sum_ms, r.profiled_median_ms, r.median_ms - r.step_sum_ms, r.clock_read_ns);
        for (size_t i = 0; i < r.steps.size(); ++i) {
            const StepTiming &k = r.steps[i];
            s += i ? ",\n    {" : "\n    {";
            if (k.boundary)
                s += fmt::format("\"kind\": \"boundary\", \"name\": {}, ", json_string(k.name));
            else
                s += fmt::format("\"kind\": \"kernel\", \"index\": {}, \"name\": {}, \"algorithm\": {}, \"function\": {}, "
                                 "\"flops\": {}, \"gflops\": {:.3f}, \"peak_percent\": {:.3f}, ",
                                 k.index, json_string(k.name), json_string(k.algorithm), json_string(k.function),
                                 k.flops, k.gflops, k.peak_percent);
            s += fmt::format("\"typical_ms\": {:.6f}, \"best_ms\": {:.6f}, \"share\": {:.6f}}}", k.typical_ms,
                             k.best_ms, k.share);
        }
        s += "\n  ]";
    }
    return s + "\n}\n";
}

std::string format_step_row(const StepTiming &k) {
    std::string name = k.name.substr(0, k.name.find(" = "));
    if (name.size() > 44) name = name.substr(0, 41) + "...";
    if (k.boundary)
        return fmt::format("{:>4}  {:<44} {:<15} {:>9.3f} {:>9.3f} {:>9} {:>7} {:>6.1f}%\n", "", name, k.algorithm,
                           k.typical_ms, k.best_ms, "-", "-", 100 * k.share);
    return fmt::format("{:>4}  {:<44} {:<15} {:>9.3f} {:>9.3f} {:>9.1f} {:>6.1f}% {:>6.1f}%\n", k.index, name, k.algorithm,
                       k.typical_ms, k.best_ms, k.gflops, k.peak_percent, 100 * k.share);
}

std::string format_text(const Report &r, bool per_layer, int top) {
    std::string s = fmt::format("bench {} ({}): {} runs after {} warm-up, {} threads, {} caches\n", r.model, r.library,
                                r.runs, r.warmup, r.threads,
                                !r.cold           ? "warm"
                                : r.cold_private ? "cold (each core's own caches flushed before each timed call)"
                                                  : "cold (flushed before each timed call)");
    s += fmt::format("latency: median {:.3f} ms, min {:.3f} ms, max {:.3f} ms; throughput {:.2f} inferences/s (batch {})\n",
                     r.median_ms, r.min_ms, r.max_ms, throughput(r), r.batch);
    // The load the figures were taken under, measured rather than guessed.
    if (!r.run_preemptions.empty())
        s += fmt::format("load: other processes took a core from this one {:.0f} times per run (median; involuntary "
                         "context switches)\n",
                         median(r.run_preemptions));
    if (!per_layer) return s;
    s += r.cold ? fmt::format("\nper step, cold: each kernel alone after a cache flush, the layouts in a run after a flush; "
                              "ms: mean of the middle {} of {} runs; FMA peak {:.1f} GFLOP/s on {} threads ({})\n",
                              r.typical_runs.size(), r.runs, r.peak_gflops, r.threads, r.peak_isa)
                : fmt::format("\nper step of a run (a clock read between consecutive steps): ms = mean over the typical "
                              "runs, the middle {} of {} by total; best = the step's fastest; FMA peak {:.1f} GFLOP/s "
                              "on {} threads ({})\n",
                              r.typical_runs.size(), r.runs, r.peak_gflops, r.threads, r.peak_isa);
    s += fmt::format("{:>4}  {:<44} {:<15} {:>9} {:>9} {:>9} {:>7} {:>7}\n", "#", "step", "algorithm", "ms", "best",
                     "GFLOP/s", "% peak", "share");
    // The top kernels by share; the boundary layouts always get their own rows below them.
    std::vector<const StepTiming *> kernels, boundaries;
    for (const StepTiming &k : r.steps) (k.boundary ? boundaries : kernels).push_back(&k);
    const size_t shown = top > 0 ? std::min(kernels.size(), static_cast<size_t>(top)) : kernels.size();
    for (size_t i = 0; i < shown; ++i) s += format_step_row(*kernels[i]);
    if (shown < kernels.size()) {
        double rest_ms = 0, rest_best = 0, rest_share = 0;
        for (size_t i = shown; i < kernels.size(); ++i)
            rest_ms += kernels[i]->typical_ms, rest_best += kernels[i]->best_ms, rest_share += kernels[i]->share;
        s += fmt::format("{:>4}  {:<44} {:<15} {:>9.3f} {:>9.3f} {:>9} {:>7} {:>6.1f}%\n", "",
                         fmt::format("... {} more kernels", kernels.size() - shown), "", rest_ms, rest_best, "", "",
                         100 * rest_share);
    }
    for (const StepTiming *b : boundaries) s += format_step_row(*b);
    s += fmt::format("sum of the {} steps ({} kernels, {} layouts): {:.3f} ms = {:.1f}% of the whole-model median {:.3f} ms\n",
                     r.steps.size(), r.kernels, boundaries.size(), r.step_sum_ms,
                     r.median_ms > 0 ? 100 * r.step_sum_ms / r.median_ms : 0, r.median_ms);
    if (r.cold) {
        s += "(cold: each kernel pays for a flushed cache, which a whole run pays for once, so the sum exceeds it)\n";
        return s;
    }
    // The residual in two parts: whole runs vs profiled runs (clock reads, and the two sets of
    // runs meeting different moments of a loaded machine), then the profiled runs' median vs the
    // typical runs' mean, whose steps the rows are (outside the steps: only argument checks).
    s += fmt::format("residual {:+.3f} ms = whole-model vs profiled median {:+.3f} ms (clock reads: {:.0f} ns each, {} "
                     "per run) + profiled median vs typical runs' mean {:+.3f} ms\n",
                     r.median_ms - r.step_sum_ms, r.median_ms - r.profiled_median_ms, r.clock_read_ns,
                     r.steps.size() + 1, r.profiled_median_ms - r.step_sum_ms);
    // What the load costs: each step's fastest time mostly misses the waits for a core, a run
    // does not.
    s += fmt::format("sum of the steps' fastest times: {:.3f} ms = {:.1f}% of the whole-model median (the rest is "
                     "mostly time the runs waited for a core: see the load line)\n",
                     r.step_best_sum_ms, r.median_ms > 0 ? 100 * r.step_best_sum_ms / r.median_ms : 0);
    return s;
}

std::string xml_text(const std::string &s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

// One horizontal bar per step (kernels and boundary layouts), longest first; the label names the
// step, the figure after the bar gives its time, share and % of peak; a tooltip holds the full name.
std::string render_svg(const Report &r) {
    const int row = 18, label_width = 330, bar_width = 520, top = 54, width = label_width + bar_width + 220;
    const int height = top + row * static_cast<int>(r.steps.size()) + 20;
    const double longest = r.steps.empty() ? 1 : std::max(r.steps.front().typical_ms, 1e-9);
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
        "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}: time per step of a run (mean of the typical runs of {}, {} threads)</text>\n"
        "<text x=\"10\" y=\"40\">whole model {:.3f} ms (median); steps sum to {:.3f} ms; FMA peak {:.1f} GFLOP/s</text>\n",
        width, height, xml_text(r.model), r.runs, r.threads, r.median_ms, r.step_sum_ms, r.peak_gflops);
    for (size_t i = 0; i < r.steps.size(); ++i) {
        const StepTiming &k = r.steps[i];
        const int y = top + row * static_cast<int>(i);
        const double w = bar_width * k.typical_ms / longest;
        std::string label = k.name.substr(0, k.name.find(" = ")) + " (" + k.algorithm + ")";
        if (label.size() > 52) label = label.substr(0, 49) + "...";
        s += fmt::format("<g><title>{}: {:.3f} ms, {:.1f} GFLOP/s, {:.1f}% of peak, {:.1f}% of the total</title>\n"
                         "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n"
                         "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#4878a8\"/>\n"
                         "<text x=\"{:.1f}\" y=\"{}\">{:.3f} ms, {:.1f}%, {:.0f}% peak</text></g>\n",
                         xml_text(k.name), k.typical_ms, k.gflops, k.peak_percent, 100 * k.share, label_width - 6,
                         y + 13, xml_text(label), label_width, y + 2, std::max(w, 0.5), row - 4,
                         label_width + std::max(w, 0.5) + 6, y + 13, k.typical_ms, 100 * k.share, k.peak_percent);
    }
    return s + "</svg>\n";
}

} // namespace

void add_bench_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        int runs = 20, warmup = 3, threads = 0, top = 0;
        bool json = false, per_layer = false, cold = false, cold_private = false;
        std::string svg, cache_dir, target = "host";
    };
    auto options = std::make_shared<Options>();
    CLI::App *command =
        app.add_subcommand("bench", "Time a compiled library (or compile a model, then time it), optionally per kernel");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, true);
    command->add_option("--runs", options->runs, "Timed runs (the median is reported)")
        ->check(CLI::PositiveNumber)
        ->default_val(20);
    command->add_option("--warmup", options->warmup, "Untimed runs first")->check(CLI::NonNegativeNumber)->default_val(3);
    command->add_option("--threads", options->threads, "Threads (default: one per core)")->check(CLI::PositiveNumber);
    command->add_flag("--json", options->json, "Print the results as JSON");
    command->add_flag("--per-layer", options->per_layer, "Time every step of a run (input layout, each kernel, output layout): ms, GFLOP/s, % of FMA peak, share");
    command->add_option("--top", options->top, "With --per-layer, show only the N most expensive kernels")
        ->check(CLI::PositiveNumber);
    command->add_option("--svg", options->svg, "Draw the per-kernel times as a bar chart (implies --per-layer)");
    command->add_flag("--cold", options->cold, "Flush the caches before every timed call");
    command->add_flag("--cold-private", options->cold_private,
                      "As --cold, but flush only each core's own L1/L2, so weights come from the shared cache as in "
                      "a model run (how cnnc tune times its trials)");
    command->add_option("--target", options->target, "When compiling: Halide target string, or host")->default_val("host");
    command->add_option("--cache-dir", options->cache_dir,
                        "Kernel cache folder, also where the FMA peak is cached (default: $CNNC_CACHE_DIR or ~/.cache/cnnc)");
    command->callback([options, &exit_status] {
        const Options &o = *options;
        const bool per_layer = o.per_layer || !o.svg.empty();
        ScratchFolder scratch("cnnc-bench");
        std::string library = o.model.model;
        const codegen::KernelCache cache(o.cache_dir);
        if (!is_library(library)) {
            codegen::CompileOptions compile;
            compile.library_path = scratch.path() + "/libmodel.so";
            compile.target = o.target;
            compile.cache_dir = cache.dir();
            compile.progress = isatty(STDERR_FILENO);
            codegen::compile_model(o.pipeline.run(o.model.load()), compile);
            library = compile.library_path;
        } else if (!std::filesystem::exists(library)) {
            user_error("{}: no such library", library);
        }
        const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        const std::string report_path = scratch.path() + "/bench.txt";
        std::vector<std::string> argv = {runner_path(), "bench", library, "--report", report_path,
                                         "--runs", std::to_string(o.runs), "--warmup", std::to_string(o.warmup),
                                         "--threads", std::to_string(threads)};
        if (per_layer)
            argv.insert(argv.end(), {"--per-layer", "--peak-cache-dir", cache.dir()});
        if (o.cold_private) argv.push_back("--cold-private");
        else if (o.cold) argv.push_back("--cold");
        if (const int status = spawn_and_wait(argv); status != 0) {
            exit_status = status;
            return;
        }
        Report r = read_report(report_path);
        r.library = is_library(o.model.model) ? o.model.model : o.model.model + " (compiled)";
        r.runs = o.runs;
        r.warmup = o.warmup;
        r.cold = o.cold || o.cold_private;
        r.cold_private = o.cold_private;
        fmt::print("{}", o.json ? format_json(r, per_layer) : format_text(r, per_layer, o.top));
        if (!o.svg.empty()) write_file_atomically(o.svg, render_svg(r));
        exit_status = 0;
    });
}

} // namespace cnnc::driver
