// Halide conv2d dispatch (by the algorithm planned), the generic grouped conv and conv_transpose.
// The blocked direct (also gemm-1x1 and strided-1x1) CPU kernels live in BlockedConvKernels.cpp,
// the depthwise one in DepthwiseConvKernel.cpp, im2col + GEMM in Im2colConvKernel.cpp, the blocked
// grouped convs (conv-grouped, conv-grouped-broadcast) in GroupedConvKernel.cpp; the generic
// grouped kernel below serves grouped convs whose groups fit no channel block (e.g. 3 channels a
// group in 30).
//
// Data is NHWC (Halide dims c, x, y, n: channels innermost). Zero padding is materialised once per
// call into a padded copy rather than tested in the inner loop.
#include "codegen/BlockedProduct.h"
#include "codegen/GpuSchedules.h"
#include "codegen/GroupedConvKernel.h"
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"

namespace cnnc::codegen {

using namespace Halide;

namespace {

// The input, zero outside its bounds; materialised (once per call) when the conv has padding.
Func padded_input(const ImageParam &x, const ir::Pads &pad, const Schedule &s, Var c, Var px, Var py,
                  Var n) {
    Func padded("padded");
    if (!has_padding(pad)) {
        padded(c, px, py, n) = x(c, px, py, n);
        return padded;
    }
    padded(c, px, py, n) = BoundaryConditions::constant_exterior(x, 0.0f)(c, px, py, n);
    padded.compute_root();
    if (s.parallel) padded.parallel(py);
    return padded;
}

} // namespace

void build_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    if (plan.schedule.gpu.active()) return build_conv_gpu(g, op, plan, build);
    if (plan.algorithm == "conv-depthwise") return build_depthwise_conv(g, op, plan, build);
    if (plan.algorithm == "conv-im2col-gemm") return build_im2col_conv(g, op, plan, build);
    if (plan.algorithm == "conv-grouped-broadcast")
        return build_grouped_broadcast_conv(op, plan, build);
    if (plan.algorithm == "conv-grouped") return build_grouped_blocked_conv(op, plan, build);
    if (plan.algorithm != "conv-grouped-generic") return build_blocked_conv(g, op, plan, build);
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &xs = plan.inputs[0].shape, &ys = plan.output.shape;
    const int ci_total = static_cast<int>(xs.extents[0]);
    const int co_total = static_cast<int>(ys.extents[0]);
    const auto [kw, kh, sx, sy, dx, dy, pl, pt] = window_geometry(a);

    Var c("c"), x("x"), y("y"), n("n");
    Func padded = padded_input(in.x, a.pad, s, c, x, y, n);
    if (a.pad != ir::Pads{0, 0, 0, 0} && xs.extents[0] >= s.vector_width)
        padded.vectorize(c, s.vector_width);
    auto residual = [&](Expr v) { return in.residual ? v + (*in.residual)(c, x, y, n) : v; };
    Func out("conv_out");
    const int vec = s.vector_width;

    {
        // A grouped conv whose groups fit no channel block (BlockedConvKernels.cpp does the
        // others): vectorised within a group.
        const int groups = static_cast<int>(a.groups);
        const int cog = co_total / groups, cig = ci_total / groups;
        Var cg("cg"), gr("gr");
        Func acc("acc");
        RDom r(0, cig, 0, kw, 0, kh, "r");
        acc(cg, gr, x, y, n) = in.bias ? (*in.bias)(gr * cog + cg) : Expr(0.0f);
        acc(cg, gr, x, y, n) += in.w(cg, r.x, r.y, r.z, gr) *
                                padded(gr * cig + r.x, x * sx + r.y * dx - pl, y * sy + r.z * dy - pt, n);
        out(c, x, y, n) = activate(residual(acc(c % cog, c / cog, x, y, n)), e);
        const int gvec = std::min(vec, cog);
        acc.compute_root();
        if (s.parallel) acc.parallel(y);
        acc.update().reorder(cg, r.x, r.y, r.z, x, gr, y, n);
        if (s.parallel) acc.update().parallel(y);
        if (cog >= gvec && gvec > 1) {
            // Groups of 3 or 6 channels do not fill whole vectors: the last one is guarded, as a
            // rounded-up vector would read weights past the group (and past the buffer).
            const TailStrategy tail =
                cog % gvec == 0 ? TailStrategy::Auto : TailStrategy::GuardWithIf;
            acc.vectorize(cg, gvec, tail);
            acc.update().vectorize(cg, gvec, tail);
        }
        build.output = out;
        build.vars = {c, x, y, n};
        schedule_pointwise(out, build.vars, ys, s);
    }
}

void build_conv_transpose(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan,
                          KernelBuild &build) {
    const auto &a = op.attr<ir::ConvTransposeAttrs>();
    const ir::TensorType &xt = g.type(op.inputs[0]), &wt = g.type(op.inputs[1]);
    const LogicalInput xin = logical_input(build.params[0], xt);
    const LogicalInput w = logical_input(build.params[1], wt);
    const int groups = static_cast<int>(a.groups);
    const int cig = static_cast<int>(xt.dims[1]) / groups, cog = static_cast<int>(wt.dims[1]);
    const int in_h = static_cast<int>(xt.dims[2]), in_w = static_cast<int>(xt.dims[3]);
    const int sx = static_cast<int>(a.stride[1]), sy = static_cast<int>(a.stride[0]);
    Var c("c"), x("x"), y("y"), n("n");
    RDom r(0, cig, 0, static_cast<int>(a.kernel[1]), 0, static_cast<int>(a.kernel[0]), "r");
    // Output o reads input i where i * stride = o + pad_begin - k * dilation.
    Expr ci = (c / cog) * cig + r.x;
    Expr xn = x + static_cast<int>(a.pad[1]) - r.y * static_cast<int>(a.dilation[1]);
    Expr yn = y + static_cast<int>(a.pad[0]) - r.z * static_cast<int>(a.dilation[0]);
    Expr valid = xn >= 0 && yn >= 0 && xn % sx == 0 && yn % sy == 0 && xn / sx < in_w && yn / sy < in_h;
    Expr ix = clamp(xn / sx, 0, in_w - 1), iy = clamp(yn / sy, 0, in_h - 1);
    Func acc("acc"), out("conv_transpose_out");
    acc(c, x, y, n) = op.inputs.size() > 2 ? build.params[2](c) : Expr(0.0f);
    acc(c, x, y, n) += select(valid, xin.at({n, ci, iy, ix}) * w.at({ci, c % cog, r.z, r.y}), 0.0f);
    out(c, x, y, n) = acc(c, x, y, n);
    build.output = out;
    build.vars = {c, x, y, n};
    if (plan.schedule.gpu.active()) return schedule_gpu_reduction(out, acc, build.vars, plan.output.shape);
    acc.compute_at(out, y);
    if (plan.schedule.parallel) out.parallel(y);
}

} // namespace cnnc::codegen
