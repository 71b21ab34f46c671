// The register-blocked product every dense CPU convolution runs (conv-direct, conv-gemm-1x1,
// conv-strided-1x1, conv-im2col-gemm and blocked conv-grouped), shared so that each algorithm
// differs only in where its input values come from, not in how the tile is computed: a block of
// B = vector_width x channel_vectors output channels times pixel_tile pixels accumulates in
// registers over the block's packed weights (Packing::blocked_conv, [block][ky][kx][k][B]), and
// the epilogue (bias as the initial value, residual, activation) is applied as the tile is stored.
// BlockedConvKernels.cpp has the details of the tiling and the task split.
#pragma once

#include "codegen/HalideHelpers.h"

#include <functional>
#include <optional>

namespace cnnc::codegen {

// The input value that output pixel (x, y) of image n multiplies with the weights of reduction
// step (k, kx, ky): k counts input channels (from the block's group base for grouped convs),
// kx and ky the window. Each algorithm supplies its own: a padded image read at the window
// offset (direct), a strided read of a pixel (strided-1x1), or a read of an im2col buffer.
using BlockedInputRead = std::function<Halide::Expr(Halide::Expr k, Halide::Expr kx, Halide::Expr ky,
                                                    Halide::Var x, Halide::Var y, Halide::Var n)>;

// The parallel task loop of a blocked product, where a producer of the input a task reads (a
// padded or im2col copy) can be computed once per task. At most one is set.
struct BlockedProductTask {
    // Tasks that run every channel block of their pixels (task_order 1).
    std::optional<Halide::LoopLevel> every_block;
    // Tasks of one (pixels, channel block) pair (task_order 0, parallel).
    std::optional<Halide::LoopLevel> one_block;
};

// Builds and schedules the blocked product of `plan` into build.output, reading the input
// through `read`, and says where its tasks are (none for a serial product or task order 2).
BlockedProductTask build_blocked_product(const ir::Op &op, const KernelPlan &plan, KernelBuild &build,
                                         const BlockedInputRead &read);

// The im2col + GEMM conv (Im2colConvKernel.cpp).
void build_im2col_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);

} // namespace cnnc::codegen
