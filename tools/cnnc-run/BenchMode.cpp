// `cnnc-run bench LIB`: times a library for `cnnc bench`, which formats what this writes.
//
// What is timed, and how (the measurement must be honest):
//  - one instance, so one arena, reused for every run; inputs are seeded random values written
//    once; outputs go to buffers allocated before timing starts;
//  - `--warmup` untimed runs first (page faults, Halide's thread pool start-up, caches, turbo);
//  - each timed run is cnnc_run alone between two clock reads; with --per-layer, each run is
//    followed by the same kernels called one by one (cnnc_run_kernel), each between its own two
//    clock reads, interleaved with the whole-model runs so that both see the same machine state;
//  - caches are flushed (a buffer larger than the last-level cache is written and read) before
//    every timed call only with --cold, and the flush is outside the timed region.
// Report (--report FILE, written atomically), one record per line:
//   model NAME | threads T | batch B | run_ms MS... | peak_gflops G ISA
//   kernel INDEX FLOPS ALGORITHM FUNCTION MS... <TAB> NAME
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "runtime/Loader.h"
#include "tools/cnnc-run/Modes.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace cnnc::runner {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Evicts the caches: 64 MiB, larger than any last-level cache this runs on, written and read.
class CacheFlusher {
  public:
    void flush() {
        if (buffer_.empty()) buffer_.assign(64u << 20, 1);
        unsigned sum = 0;
        for (size_t i = 0; i < buffer_.size(); i += 64) {
            buffer_[i] = static_cast<unsigned char>(buffer_[i] + 1);
            sum += buffer_[i];
        }
        sink_ = sum;
    }

  private:
    std::vector<unsigned char> buffer_;
    volatile unsigned sink_ = 0;
};

// The FMA peak for `threads`, from `cache` when it holds a figure for this many threads, else
// measured and stored there (atomically; an unwritable cache only costs a re-measurement).
std::pair<double, std::string> fma_peak(int threads, const std::string &cache) {
    if (!cache.empty()) {
        std::ifstream in(cache);
        double gflops = 0;
        int cached_threads = 0;
        std::string isa;
        if (in >> gflops >> cached_threads >> isa && cached_threads == threads && gflops > 0) return {gflops, isa + ", cached"};
    }
    const double gflops = measure_fma_peak(threads);
    if (!cache.empty()) {
        try {
            write_file_atomically(cache, fmt::format("{} {} {}\n", gflops, threads, fma_probe_isa()));
        } catch (const std::exception &) {
        }
    }
    return {gflops, fma_probe_isa()};
}

struct Options {
    std::string library, report, peak_cache;
    int runs = 20, warmup = 3, threads = 0;
    bool per_layer = false, cold = false;
};

int run(const Options &o) {
    const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Halide's thread pool reads this when the library first runs a parallel loop.
    setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
    runtime::Library lib(o.library);
    const Model model(lib.api());
    const Api &api = model.api();
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
    auto run_model = [&] {
        model.check(api.run(instance.get(), in_ptrs.data(), in_sizes.data(), out_ptrs.data(), out_sizes.data()));
    };
    auto run_kernel = [&](int32_t k) { model.check(api.run_kernel(instance.get(), k)); };

    for (int w = 0; w < o.warmup; ++w) {
        run_model();
        for (int32_t k = 0; k < kernels; ++k) run_kernel(k);
    }
    CacheFlusher flusher;
    std::vector<double> run_ms;
    std::vector<std::vector<double>> kernel_ms(static_cast<size_t>(kernels));
    for (int r = 0; r < o.runs; ++r) {
        if (o.cold) flusher.flush();
        const auto start = Clock::now();
        run_model();
        run_ms.push_back(ms_since(start));
        // The arena now holds this run's inputs, so the kernels below recompute the same model.
        for (int32_t k = 0; k < kernels; ++k) {
            if (o.cold) flusher.flush();
            const auto kernel_start = Clock::now();
            run_kernel(k);
            kernel_ms[static_cast<size_t>(k)].push_back(ms_since(kernel_start));
        }
    }

    std::string report = fmt::format("model {}\nthreads {}\nbatch {}\nrun_ms {}\n", model.name(), threads,
                                     model.inputs().empty() || model.inputs()[0].dims.empty() ? 1 : model.inputs()[0].dims[0],
                                     fmt::join(run_ms, " "));
    if (o.per_layer) {
        const auto [gflops, isa] = fma_peak(threads, o.peak_cache);
        report += fmt::format("peak_gflops {} {}\n", gflops, isa);
        for (int32_t k = 0; k < kernels; ++k) {
            const KernelInfo &info = model.kernels()[static_cast<size_t>(k)];
            report += fmt::format("kernel {} {} {} {} {}\t{}\n", k, info.flops, info.algorithm, info.function,
                                  fmt::join(kernel_ms[static_cast<size_t>(k)], " "), info.name);
        }
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
    app.add_flag("--per-layer", o.per_layer, "Also time each kernel alone");
    app.add_flag("--cold", o.cold, "Flush the caches before every timed call");
    app.add_option("--peak-cache", o.peak_cache, "File caching the measured FMA peak");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    }
    return run(o);
}

} // namespace cnnc::runner
