// How much arithmetic one kernel call does, so that `cnnc bench --per-layer` can report GFLOP/s
// and a share of the machine's FMA peak for each kernel. The figure is embedded in the library
// (cnnc_kernel_info.flops), so a library can be profiled without its model.
//
// Counting: convolutions and gemm count 2 per multiply-accumulate (the figure papers and BLAS
// benchmarks use), plus one per output for a fused bias or residual add; pooling counts one per
// window element; every other kernel one per output element (data movement does no arithmetic
// but is reported per element so that its rate is still comparable between runs).
#pragma once

#include "codegen/KernelSignature.h"

#include <cstdint>

namespace cnnc::codegen {

int64_t kernel_flops(const ir::Graph &g, const KernelPlan &plan);

} // namespace cnnc::codegen
