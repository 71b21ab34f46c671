// Shared pieces of the Halide kernel builders: typed input parameters with static shapes (so
// Halide sees constant extents and strides and can unroll and vectorise without guards), reads by
// logical (NCHW / C order) coordinates, the fused activation, and the pointwise schedule.
#pragma once

#include "codegen/KernelSignature.h"
#include "ir/Epilogue.h"

#include <Halide.h>

#include <optional>
#include <string>
#include <vector>

namespace cnnc::codegen {

// A kernel under construction: its inputs in call order, then the output Func.
struct KernelBuild {
    std::vector<Halide::ImageParam> params;
    Halide::Func output;
    std::vector<Halide::Var> vars; // the output's pure vars, innermost first
};

// A conv kernel's parameters in call order: input, weights, then the bias and the residual where
// its fused epilogue has them (KernelSignature orders a conv's operands so).
struct ConvOperands {
    Halide::ImageParam x, w;
    std::optional<Halide::ImageParam> bias, residual;
};
ConvOperands conv_operands(const ir::Op &op, const KernelBuild &build);
bool has_padding(const ir::Pads &pad);

// A sliding window's geometry as ints, x before y: kernel width/height, strides, dilations and
// the left/top padding, from conv or pool attributes (which store them height first).
struct WindowGeometry {
    int kw, kh, sx, sy, dx, dy, pl, pt;
};
template <class Attrs> WindowGeometry window_geometry(const Attrs &a) {
    return {static_cast<int>(a.kernel[1]),   static_cast<int>(a.kernel[0]),   static_cast<int>(a.stride[1]),
            static_cast<int>(a.stride[0]),   static_cast<int>(a.dilation[1]), static_cast<int>(a.dilation[0]),
            static_cast<int>(a.pad[1]),      static_cast<int>(a.pad[0])};
}

// An ImageParam whose extents and strides are fixed to `shape` (min 0 everywhere).
Halide::ImageParam make_param(const std::string &name, const BufferShape &shape);
// Fixes the output buffer's shape the same way.
void constrain_output(Halide::Func &f, const BufferShape &shape);

// A value read by logical coordinates through its standard layout.
struct LogicalInput {
    Halide::ImageParam param;
    std::vector<int> axes; // Halide dim d holds logical axis axes[d]
    ir::Dims dims;         // logical dims

    Halide::Expr at(const std::vector<Halide::Expr> &logical) const;
    // Reads with numpy broadcasting against a result of logical rank `rank`.
    Halide::Expr broadcast_at(const std::vector<Halide::Expr> &logical) const;
};
LogicalInput logical_input(const Halide::ImageParam &param, const ir::TensorType &type);

// The logical coordinates of an output in standard layout, from its Halide vars.
std::vector<Halide::Expr> logical_coords(const std::vector<Halide::Var> &vars, int64_t rank);
std::vector<Halide::Var> make_vars(int64_t rank);

Halide::Expr activate(Halide::Expr v, const ir::Epilogue &epilogue);

// Vectorised across the innermost dim, parallel over the outermost dim with more than one
// element (when the schedule says so).
void schedule_pointwise(Halide::Func f, const std::vector<Halide::Var> &vars,
                        const BufferShape &shape, const Schedule &schedule);

// The builders, one per family of ops (ConvKernels.cpp, PoolKernels.cpp, ...). Each fills
// build.output from build.params (already made from plan.inputs, in order).
void build_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);
// The CPU blocked direct conv (BlockedConvKernels.cpp) and depthwise conv (DepthwiseConvKernel.cpp),
// called by build_conv.
void build_blocked_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);
void build_depthwise_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);
void build_conv_transpose(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan,
                          KernelBuild &build);
void build_pool(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);
void build_gemm(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build);
void build_elementwise(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan,
                       KernelBuild &build);
void build_data_movement(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan,
                         KernelBuild &build);

} // namespace cnnc::codegen
