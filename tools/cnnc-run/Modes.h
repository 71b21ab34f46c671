// The runner's modes besides running a model on .npy files (main.cpp): each is what a `cnnc`
// subcommand needs executed in a process that links only cnnc's runtime (see ../shared/DESIGN.md).
//   cnnc-run kernels LIB DIR   one kernel at a time on stored inputs (cnnc test-kernels, KernelTests.h)
//   cnnc-run bench LIB ...     whole-model and per-kernel timings (cnnc bench)
//   cnnc-run fma-peak          the machine's measured f32 FMA peak
#pragma once

namespace cnnc::runner {

int kernels_main(int argc, char **argv);
int bench_main(int argc, char **argv);
int fma_peak_main(int argc, char **argv);

// The FMA probe's version: bump it whenever the loop or the way it is timed changes, so that
// figures cached by an older probe (cnnc bench keeps one per version, ISA and thread count) are
// measured again instead of read.
constexpr int fma_probe_version = 3; // 3: per-thread CPU time, not wall time
// Measures the f32 FMA peak (GFLOP/s) of `threads` threads running a register-blocked FMA loop
// with the widest vectors the host has (AVX-512, else AVX2+FMA, else SSE multiply-add).
double measure_fma_peak(int threads);
// The instruction set measure_fma_peak used ("avx512f", "avx2+fma", "sse2").
const char *fma_probe_isa();

} // namespace cnnc::runner
