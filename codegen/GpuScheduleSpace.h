// The GPU conv template's knob space, for `cnnc tune` (which must not see Halide's headers, so
// this lives apart from GpuSchedules.h; GpuSchedules.cpp implements it beside the template).
#pragma once

#include "codegen/KernelSignature.h"

#include <vector>

namespace cnnc::codegen {

// Every feasible combination of block shape, register tile and reduction chunk of the GPU conv
// template for `plan` (a conv planned for a GPU target), the default first, then those closest
// to it (no GPU cost model ranks them yet; the nearest variations are the safest bets).
std::vector<Schedule> gpu_conv_candidates(const ir::Graph &g, const KernelPlan &plan);

} // namespace cnnc::codegen
