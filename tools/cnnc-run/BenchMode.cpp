// `cnnc-run bench LIB`: times a library for `cnnc bench`, which formats what this writes.
//
// What is timed, and how (the measurement must be honest):
//  - one instance, so one arena, reused for every run; inputs are seeded random values written
//    once; outputs go to buffers allocated before timing starts;
//  - `--warmup` untimed runs first (page faults, Halide's thread pool start-up, caches, turbo);
//  - each timed run is cnnc_run alone between two clock reads;
//  - with --per-layer, each timed run is followed by a profiled run (cnnc_run_profiled): the same
//    run with a clock read between consecutive steps (input layout, each kernel, output layout),
//    so every kernel is timed where it sits in a real run, after the kernel that really precedes
//    it, and the steps of one run add up to that run. Timing kernels one by one outside a run
//    (cnnc_run_kernel) measured the same code but left out the boundary layouts, and on a loaded
//    machine the median of short calls hides the preemptions a whole run collects;
//  - caches are flushed (a buffer larger than the last-level cache is written and read) before
//    every timed call only with --cold, and the flush is outside the timed region. A flush inside
//    a run would change the run, so --cold --per-layer times each kernel alone after a flush
//    (cnnc_run_kernel), and the layouts from a profiled run after a flush.
// Report (--report FILE, written atomically), one record per line:
//   model NAME | threads T | batch B | run_ms MS... | peak_gflops G ISA
//   profiled_run_ms MS...       each profiled run between two clock reads (with --per-layer)
//   clock_read_ns NS            what one clock read costs here (the profiler's own overhead)
//   run_preemptions N...        per whole-model run, how often the kernel took a core from one of
//                               this process's threads for another process (involuntary context
//                               switches, getrusage): the load the timings were taken under
//   boundary input_layout MS... | boundary output_layout MS...
//   kernel INDEX FLOPS ALGORITHM FUNCTION MS... <TAB> NAME
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "runtime/Loader.h"
#include "tools/cnnc-run/Modes.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

namespace cnnc::runner {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Nanoseconds one steady_clock read costs: the best of a few batches, as preemption only adds.
double clock_read_ns() {
    double best = 1e30;
    for (int batch = 0; batch < 5; ++batch) {
        constexpr int reads = 10000;
        const auto start = Clock::now();
        Clock::time_point last = start;
        for (int i = 0; i < reads; ++i) last = Clock::now();
        best = std::min(best, std::chrono::duration<double, std::nano>(last - start).count() / reads);
    }
    return best;
}

// Involuntary context switches of all this process's threads so far.
long preemptions() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nivcsw;
}

// Each core's own cache (L2) in bytes, as the C library reports it; 2 MiB where it cannot.
size_t private_cache_bytes() {
    const long bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return bytes > 0 ? static_cast<size_t>(bytes) : size_t{2} << 20;
}

// Evicts the caches: by default 64 MiB, larger than any last-level cache this runs on, written
// and read by as many threads as the model runs on, so each of their cores' own L1/L2 is flushed
// too (onednn-layers --cold flushes the same way, so per-layer comparisons stay even). With
// `private_only`, each thread writes twice its core's L2 instead: what the core held moves out to
// the shared last-level cache, which keeps it.
class CacheFlusher {
  public:
    CacheFlusher(int threads, bool private_only) : threads_(std::max(1, threads)), private_only_(private_only) {}
    void flush() {
        if (buffer_.empty())
            buffer_.assign(private_only_ ? 2 * private_cache_bytes() * static_cast<size_t>(threads_) : 64u << 20, 1);
        const size_t part = buffer_.size() / static_cast<size_t>(threads_);
        std::vector<std::thread> workers;
        std::vector<unsigned> sums(static_cast<size_t>(threads_), 0);
        for (int t = 0; t < threads_; ++t)
            workers.emplace_back([this, t, part, &sums] {
                for (size_t i = t * part; i < (t + 1) * part; i += 64) {
                    buffer_[i] = static_cast<unsigned char>(buffer_[i] + 1);
                    sums[static_cast<size_t>(t)] += buffer_[i];
                }
            });
        for (std::thread &w : workers) w.join();
        for (unsigned s : sums) sink_ = sink_ + s;
    }

  private:
    int threads_;
    bool private_only_;
    std::vector<unsigned char> buffer_;
    volatile unsigned sink_ = 0;
};

// The FMA peak for `threads`, cached in `folder` under a name holding everything the figure
// depends on (probe version, ISA, threads), and the same again inside the file, so a changed
// probe or another machine sharing the folder never reads a stale figure. The cache is written
// atomically; an unwritable folder only costs a re-measurement.
std::pair<double, std::string> fma_peak(int threads, const std::string &folder) {
    const std::string key = fmt::format("v{} {} {}", fma_probe_version, fma_probe_isa(), threads);
    const std::string path =
        folder.empty() ? "" : fmt::format("{}/fma-peak-v{}-{}-{}t.txt", folder, fma_probe_version, fma_probe_isa(), threads);
    if (!path.empty()) {
        std::ifstream in(path);
        std::string version, isa;
        int cached_threads = 0;
        double gflops = 0;
        if (in >> version >> isa >> cached_threads >> gflops &&
            fmt::format("{} {} {}", version, isa, cached_threads) == key && gflops > 0)
            return {gflops, isa + ", cached"};
    }
    const double gflops = measure_fma_peak(threads);
    if (!path.empty()) {
        try {
            std::filesystem::create_directories(folder);
            write_file_atomically(path, fmt::format("{} {}\n", key, gflops));
        } catch (const std::exception &) {
        }
    }
    return {gflops, fma_probe_isa()};
}

struct Options {
    std::string library, report, peak_cache_dir;
    int runs = 20, warmup = 3, threads = 0;
    bool per_layer = false, cold = false;
    bool cold_private = false; // --cold-private: flush only each core's own caches (implies cold)
};

int run(const Options &o) {
    const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Halide's thread pool reads this when the library first runs a parallel loop.
    setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
    runtime::Library lib(o.library);
    const Model model(lib.api());
    const Api &api = model.api();
    if (o.per_layer && !api.run_profiled)
        throw Error(o.library + ": this library predates cnnc_run_profiled; recompile it with cnnc");
    Instance instance(model);

    std::mt19937 rng(1);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<std::vector<float>> inputs, outputs;
    std::vector<const float *> in_ptrs;
    std::vector<float *> out_ptrs;
    std::vector<int64_t> in_sizes, out_sizes;
    for (const TensorInfo &t : model.inputs()) {
        inputs.emplace_back(static_cast<size_t>(t.num_elements));
        for (float &v : inputs.back()) v = value(rng);
        in_ptrs.push_back(inputs.back().data());
        in_sizes.push_back(t.num_elements);
    }
    for (const TensorInfo &t : model.outputs()) {
        outputs.emplace_back(static_cast<size_t>(t.num_elements));
        out_ptrs.push_back(outputs.back().data());
        out_sizes.push_back(t.num_elements);
    }
    const int32_t kernels = o.per_layer ? static_cast<int32_t>(model.kernels().size()) : 0;
    // Phase 0 is the input layout, 1 + k kernel k, 1 + kernels the output layout.
    std::vector<double> phases(static_cast<size_t>(kernels) + 2);
    auto run_model = [&] {
        model.check(api.run(instance.get(), in_ptrs.data(), in_sizes.data(), out_ptrs.data(), out_sizes.data()));
    };
    auto run_profiled = [&] {
        model.check(api.run_profiled(instance.get(), in_ptrs.data(), in_sizes.data(), out_ptrs.data(),
                                     out_sizes.data(), phases.data(), static_cast<int32_t>(phases.size())));
    };
    auto run_kernel = [&](int32_t k) { model.check(api.run_kernel(instance.get(), k)); };

    for (int w = 0; w < o.warmup; ++w) {
        run_model();
        if (o.per_layer) run_profiled();
    }
    CacheFlusher flusher(threads, o.cold_private);
    std::vector<double> run_ms, profiled_ms;
    std::vector<long> run_preemptions;
    std::vector<std::vector<double>> phase_ms(phases.size());
    for (int r = 0; r < o.runs; ++r) {
        if (o.cold) flusher.flush();
        const long preempted_before = preemptions();
        const auto start = Clock::now();
        run_model();
        run_ms.push_back(ms_since(start));
        run_preemptions.push_back(preemptions() - preempted_before);
        if (!o.per_layer) continue;
        if (o.cold) flusher.flush();
        const auto profiled_start = Clock::now();
        run_profiled();
        profiled_ms.push_back(ms_since(profiled_start));
        for (size_t p = 0; p < phases.size(); ++p)
            if (!o.cold || p == 0 || p + 1 == phases.size()) phase_ms[p].push_back(phases[p]);
        // Cold: each kernel alone after a flush, on the arena the profiled run just filled.
        for (int32_t k = 0; o.cold && k < kernels; ++k) {
            flusher.flush();
            const auto kernel_start = Clock::now();
            run_kernel(k);
            phase_ms[static_cast<size_t>(k) + 1].push_back(ms_since(kernel_start));
        }
    }

    std::string report = fmt::format("model {}\nthreads {}\nbatch {}\nrun_ms {}\nrun_preemptions {}\n", model.name(),
                                     threads,
                                     model.inputs().empty() || model.inputs()[0].dims.empty() ? 1 : model.inputs()[0].dims[0],
                                     fmt::join(run_ms, " "), fmt::join(run_preemptions, " "));
    if (o.per_layer) {
        const auto [gflops, isa] = fma_peak(threads, o.peak_cache_dir);
        report += fmt::format("peak_gflops {} {}\n", gflops, isa);
        report += fmt::format("profiled_run_ms {}\nclock_read_ns {}\n", fmt::join(profiled_ms, " "), clock_read_ns());
        report += fmt::format("boundary input_layout {}\n", fmt::join(phase_ms.front(), " "));
        for (int32_t k = 0; k < kernels; ++k) {
            const KernelInfo &info = model.kernels()[static_cast<size_t>(k)];
            report += fmt::format("kernel {} {} {} {} {}\t{}\n", k, info.flops, info.algorithm, info.function,
                                  fmt::join(phase_ms[static_cast<size_t>(k) + 1], " "), info.name);
        }
        report += fmt::format("boundary output_layout {}\n", fmt::join(phase_ms.back(), " "));
    }
    write_file_atomically(o.report, report);
    return 0;
}

} // namespace

int bench_main(int argc, char **argv) {
    CLI::App app{"cnnc-run bench: time a model library (cnnc bench formats the report)", "cnnc-run bench"};
    Options o;
    app.add_option("library", o.library, "A model library (libNAME.so) from `cnnc compile`")->required();
    app.add_option("--report", o.report, "Where to write the timings")->required();
    app.add_option("--runs", o.runs, "Timed runs")->check(CLI::PositiveNumber);
    app.add_option("--warmup", o.warmup, "Untimed runs before timing")->check(CLI::NonNegativeNumber);
    app.add_option("--threads", o.threads, "Threads of Halide's pool (default: one per core)")->check(CLI::PositiveNumber);
    app.add_flag("--per-layer", o.per_layer, "Also time each step of a run: input layout, each kernel, output layout");
    app.add_flag("--cold", o.cold, "Flush the caches before every timed call");
    app.add_flag("--cold-private", o.cold_private,
                 "As --cold, but flush only each core's own L1/L2 (its lines move to the shared last-level "
                 "cache): a kernel then reads its weights from where a model run finds them");
    app.add_option("--peak-cache-dir", o.peak_cache_dir,
                   "Folder caching the measured FMA peak (one file per probe version, ISA and thread count)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    }
    if (o.cold_private) o.cold = true;
    return run(o);
}

} // namespace cnnc::runner
