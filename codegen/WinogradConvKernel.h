// Winograd F(m x m, 3 x 3) convolution on the CPU, for 3x3, stride-1, dilation-1, ungrouped convs
// that select-algorithm marks `winograd`. Three stages per task (a strip of tile rows):
//   input transform   V[e](k, tile) = (B^T d B)[e] per t x t input tile, zero outside the image
//   batched GEMM      M[e](co, tile) = sum_k U[e](co, k) V[e](k, tile) for each of the t*t points
//   output transform  Y = A^T M A per tile, with the conv's bias, residual and activation fused
// U = G g G^T is computed at compile time and packed in the weights blob (WinogradWeights.cpp),
// never at run time. The knobs are the Schedule's: winograd_tile (m: 2 or 4), vector_width x
// channel_vectors (output channels a register tile spans), pixel_tile (tiles a register tile
// spans), row_tile (tile rows per task), task_order (0: each task transforms its own strip's
// input; 1: the input transform runs once for the image and tasks are strips x channel blocks,
// for late layers whose transformed weights dwarf their activations), parallel.
#pragma once

#include "codegen/ConvSchedules.h"
#include "codegen/KernelSignature.h"

#include <vector>

namespace cnnc::codegen {

struct KernelBuild;

// Whether the Winograd kernel implements this conv (3x3, stride 1, dilation 1, one group) on a
// CPU target: the planner falls back to the direct kernel when it does not.
bool winograd_applicable(const ir::Conv2DAttrs &attrs, const ConvShape &shape);

// Whether `s` is a Winograd schedule the kernel can run on `shape` (m of 2 or 4, output channels
// a whole number of register blocks).
bool winograd_schedule_feasible(const ConvShape &shape, const Schedule &s);

// The template's output tile m: 4 from 28x28 outputs up, where F(4,3)'s 4x fewer multiplies and
// smaller transformed input win; 2 below, where its larger transformed weights (36 points per
// filter against 16) and ragged edge tiles cost more (measurements: passes/SelectAlgorithm.cpp).
int default_winograd_tile(const ConvShape &shape);

// The template's schedule for `shape` with output tile m.
Schedule default_winograd_schedule(const ConvShape &shape, const TargetInfo &target, int m);

// What `cnnc tune` measures for a winograd conv: the feasible schedules over m (2, 4), vector
// width, channel vectors, register tile, rows per task and task order, the template's first,
// then by how many knobs differ from the template of the same m (a different m counts as one) (there is no cost model of this kernel yet, so nothing
// is ranked by estimate; the tuner measures them nearest-first).
std::vector<Schedule> winograd_candidates(const ConvShape &shape, const TargetInfo &target);

// Fills the CPU plan of a winograd conv: algorithm conv-winograd, the schedule (`forced` when it
// is a feasible Winograd schedule, else the template's), and the weights operand packed as
// Packing::winograd_weights (lane, k, e, block), e = i*t + j the transform point.
void plan_winograd_conv(const ConvShape &shape, const TargetInfo &target, const Schedule *forced, KernelPlan &plan);

// U = G g G^T of [O, I, 3, 3] weights, packed as `operand.shape` says (see plan_winograd_conv);
// output channels past O in the last block are zero.
std::vector<float> pack_winograd_weights(const KernelOperand &operand, const std::vector<float> &weights,
                                         int64_t out_channels, int64_t in_channels);

// The Halide pipeline (WinogradConvKernel.cpp).
void build_winograd_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);

} // namespace cnnc::codegen
