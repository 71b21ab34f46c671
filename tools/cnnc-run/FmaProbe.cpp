// The FMA peak probe: how many f32 floating-point operations per second this machine's cores can
// retire when nothing but fused multiply-adds run. `cnnc bench --per-layer` divides each kernel's
// GFLOP/s by it, so "% of peak" means the share of what the hardware can do, measured rather than
// taken from a datasheet (turbo, SMT siblings and VM throttling all show up in it).
//
// The loop keeps independent accumulator vectors in registers (16 with AVX-512's 32 registers,
// 12 with AVX2's 16), more than FMA latency x FMA ports, so the FMA units never wait on a result.
// The runner is built for the baseline x86-64, so each variant is compiled with a target attribute
// and picked at run time by what the CPU supports.
#include "tools/cnnc-run/Modes.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <thread>
#include <vector>

namespace cnnc::runner {

namespace {

// Each returns a value derived from every accumulator, so the compiler cannot drop the loop.
__attribute__((target("avx512f"))) float fma_loop_avx512(int64_t iterations) {
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 r0 = _mm512_set1_ps(0.f), r1 = _mm512_set1_ps(1.f), r2 = _mm512_set1_ps(2.f), r3 = _mm512_set1_ps(3.f),
           r4 = _mm512_set1_ps(4.f), r5 = _mm512_set1_ps(5.f), r6 = _mm512_set1_ps(6.f), r7 = _mm512_set1_ps(7.f),
           r8 = _mm512_set1_ps(8.f), r9 = _mm512_set1_ps(9.f), r10 = _mm512_set1_ps(10.f), r11 = _mm512_set1_ps(11.f),
           r12 = _mm512_set1_ps(12.f), r13 = _mm512_set1_ps(13.f), r14 = _mm512_set1_ps(14.f), r15 = _mm512_set1_ps(15.f);
    for (int64_t i = 0; i < iterations; ++i) {
        r0 = _mm512_fmadd_ps(r0, a, b), r1 = _mm512_fmadd_ps(r1, a, b), r2 = _mm512_fmadd_ps(r2, a, b);
        r3 = _mm512_fmadd_ps(r3, a, b), r4 = _mm512_fmadd_ps(r4, a, b), r5 = _mm512_fmadd_ps(r5, a, b);
        r6 = _mm512_fmadd_ps(r6, a, b), r7 = _mm512_fmadd_ps(r7, a, b), r8 = _mm512_fmadd_ps(r8, a, b);
        r9 = _mm512_fmadd_ps(r9, a, b), r10 = _mm512_fmadd_ps(r10, a, b), r11 = _mm512_fmadd_ps(r11, a, b);
        r12 = _mm512_fmadd_ps(r12, a, b), r13 = _mm512_fmadd_ps(r13, a, b), r14 = _mm512_fmadd_ps(r14, a, b);
        r15 = _mm512_fmadd_ps(r15, a, b);
    }
    const __m512 s = _mm512_add_ps(
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r0, r1), _mm512_add_ps(r2, r3)),
                      _mm512_add_ps(_mm512_add_ps(r4, r5), _mm512_add_ps(r6, r7))),
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r8, r9), _mm512_add_ps(r10, r11)),
                      _mm512_add_ps(_mm512_add_ps(r12, r13), _mm512_add_ps(r14, r15))));
    return _mm512_reduce_add_ps(s);
}
constexpr int64_t avx512_flops_per_iteration = 16 * 16 * 2;

__attribute__((target("avx2,fma"))) float fma_loop_avx2(int64_t iterations) {
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    __m256 r0 = _mm256_set1_ps(0.f), r1 = _mm256_set1_ps(1.f), r2 = _mm256_set1_ps(2.f), r3 = _mm256_set1_ps(3.f),
           r4 = _mm256_set1_ps(4.f), r5 = _mm256_set1_ps(5.f), r6 = _mm256_set1_ps(6.f), r7 = _mm256_set1_ps(7.f),
           r8 = _mm256_set1_ps(8.f), r9 = _mm256_set1_ps(9.f), r10 = _mm256_set1_ps(10.f), r11 = _mm256_set1_ps(11.f);
    for (int64_t i = 0; i < iterations; ++i) {
        r0 = _mm256_fmadd_ps(r0, a, b), r1 = _mm256_fmadd_ps(r1, a, b), r2 = _mm256_fmadd_ps(r2, a, b);
        r3 = _mm256_fmadd_ps(r3, a, b), r4 = _mm256_fmadd_ps(r4, a, b), r5 = _mm256_fmadd_ps(r5, a, b);
        r6 = _mm256_fmadd_ps(r6, a, b), r7 = _mm256_fmadd_ps(r7, a, b), r8 = _mm256_fmadd_ps(r8, a, b);
        r9 = _mm256_fmadd_ps(r9, a, b), r10 = _mm256_fmadd_ps(r10, a, b), r11 = _mm256_fmadd_ps(r11, a, b);
    }
    const __m256 s = _mm256_add_ps(
        _mm256_add_ps(_mm256_add_ps(r0, r1), _mm256_add_ps(r2, r3)),
        _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r4, r5), _mm256_add_ps(r6, r7)),
                      _mm256_add_ps(_mm256_add_ps(r8, r9), _mm256_add_ps(r10, r11))));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    float total = 0;
    for (float v : lanes) total += v;
    return total;
}
constexpr int64_t avx2_flops_per_iteration = 12 * 8 * 2;

// Baseline x86-64: separate multiply and add (2 flops per lane, as an FMA counts).
float fma_loop_sse(int64_t iterations) {
    const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
    __m128 r0 = _mm_set1_ps(0.f), r1 = _mm_set1_ps(1.f), r2 = _mm_set1_ps(2.f), r3 = _mm_set1_ps(3.f),
           r4 = _mm_set1_ps(4.f), r5 = _mm_set1_ps(5.f), r6 = _mm_set1_ps(6.f), r7 = _mm_set1_ps(7.f);
    for (int64_t i = 0; i < iterations; ++i) {
        r0 = _mm_add_ps(_mm_mul_ps(r0, a), b), r1 = _mm_add_ps(_mm_mul_ps(r1, a), b);
        r2 = _mm_add_ps(_mm_mul_ps(r2, a), b), r3 = _mm_add_ps(_mm_mul_ps(r3, a), b);
        r4 = _mm_add_ps(_mm_mul_ps(r4, a), b), r5 = _mm_add_ps(_mm_mul_ps(r5, a), b);
        r6 = _mm_add_ps(_mm_mul_ps(r6, a), b), r7 = _mm_add_ps(_mm_mul_ps(r7, a), b);
    }
    float lanes[4];
    _mm_storeu_ps(lanes, _mm_add_ps(_mm_add_ps(_mm_add_ps(r0, r1), _mm_add_ps(r2, r3)),
                                    _mm_add_ps(_mm_add_ps(r4, r5), _mm_add_ps(r6, r7))));
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
constexpr int64_t sse_flops_per_iteration = 8 * 4 * 2;

struct Probe {
    float (*loop)(int64_t);
    int64_t flops_per_iteration;
    const char *isa;
};

Probe probe() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return {fma_loop_avx512, avx512_flops_per_iteration, "avx512f"};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return {fma_loop_avx2, avx2_flops_per_iteration, "avx2+fma"};
    return {fma_loop_sse, sse_flops_per_iteration, "sse2"};
}

volatile float sink;

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// GFLOP/s of `threads` threads each running `iterations`, started together: the sum over threads
// of each thread's FLOPs per second of its own CPU time. CPU time, not wall time, because on a
// machine other processes load a thread waits for a core without retiring anything, and a
// figure measured then would understate the hardware (a probe timed by the wall clock read 74
// GFLOP/s for 2 threads at a load average of 17, where kernels ran at 160). Two threads sharing
// one core through SMT each see their half of its FMA units, so the sum is still the cores'.
double trial_gflops(const Probe &p, int threads, int64_t iterations) {
    std::vector<std::thread> workers;
    std::vector<float> results(static_cast<size_t>(threads));
    std::vector<double> seconds(static_cast<size_t>(threads));
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            const double start = thread_cpu_seconds();
            results[static_cast<size_t>(t)] = p.loop(iterations);
            seconds[static_cast<size_t>(t)] = thread_cpu_seconds() - start;
        });
    for (auto &w : workers) w.join();
    double gflops = 0;
    for (int t = 0; t < threads; ++t) {
        sink = results[static_cast<size_t>(t)];
        gflops += static_cast<double>(p.flops_per_iteration) * static_cast<double>(iterations) /
                  std::max(seconds[static_cast<size_t>(t)], 1e-9) / 1e9;
    }
    return gflops;
}

} // namespace

const char *fma_probe_isa() { return probe().isa; }

double measure_fma_peak(int threads) {
    const Probe p = probe();
    threads = std::max(threads, 1);
    // Calibrate to about 50 ms of CPU time per thread and trial (thread start-up is then noise)
    // and keep the best of nine: a trial only loses to frequency dips and interrupts.
    int64_t iterations = 1 << 18;
    const double calibration_gflops = trial_gflops(p, 1, iterations);
    iterations = std::max<int64_t>(
        iterations, static_cast<int64_t>(0.05 * calibration_gflops * 1e9 / static_cast<double>(p.flops_per_iteration)));
    double best = 0;
    for (int trial = 0; trial < 9; ++trial) best = std::max(best, trial_gflops(p, threads, iterations));
    return best;
}

int fma_peak_main(int argc, char **argv) {
    CLI::App app{"cnnc-run fma-peak: measure the f32 FMA peak of this machine", "cnnc-run fma-peak"};
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    app.add_option("--threads", threads, "Threads running the probe at once")->check(CLI::PositiveNumber);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    }
    fmt::print("{:.1f} GFLOP/s ({} threads, {})\n", measure_fma_peak(threads), threads, fma_probe_isa());
    return 0;
}

} // namespace cnnc::runner
