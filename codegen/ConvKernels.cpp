// Halide algorithms and schedules for conv2d (by the algorithm planned) and conv_transpose.
//
// Data is NHWC (Halide dims c, x, y, n: channels innermost) and weights are packed with output
// channels innermost, so the inner loop loads a few vectors of weights, broadcasts one input value
// per pixel, and accumulates a tile of (channel_vectors x pixel_tile) vectors held in registers,
// as in Halide's apps/conv_layer. The reduction runs input channels innermost, then the kernel
// window, so one tile's input rows and weights stay in L1. The fused epilogue (bias as the
// accumulator's initial value, residual add, activation) is the output stage of the same loop
// nest: no extra pass over memory. Zero padding is materialised once per call into a padded copy
// rather than tested in the inner loop.
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"

namespace cnnc::codegen {

using namespace Halide;

namespace {

struct ConvOperands {
    ImageParam x, w;
    std::optional<ImageParam> bias, residual;
};

ConvOperands conv_operands(const ir::Op &op, const KernelBuild &build) {
    const ir::Epilogue e = ir::epilogue_of(op);
    ConvOperands o{build.params.at(0), build.params.at(1), {}, {}};
    size_t next = 2;
    if (e.bias) o.bias = build.params.at(next++);
    if (e.residual) o.residual = build.params.at(next++);
    return o;
}

// The input, zero outside its bounds; materialised (once per call) when the conv has padding.
Func padded_input(const ImageParam &x, const ir::Pads &pad, const Schedule &s, Var c, Var px, Var py,
                  Var n) {
    Func padded("padded");
    const bool any_pad = pad[0] || pad[1] || pad[2] || pad[3];
    if (!any_pad) {
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
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &xs = plan.inputs[0].shape, &ys = plan.output.shape;
    const int ci_total = static_cast<int>(xs.extents[0]);
    const int co_total = static_cast<int>(ys.extents[0]);
    const int kw = static_cast<int>(a.kernel[1]), kh = static_cast<int>(a.kernel[0]);
    const int sx = static_cast<int>(a.stride[1]), sy = static_cast<int>(a.stride[0]);
    const int dx = static_cast<int>(a.dilation[1]), dy = static_cast<int>(a.dilation[0]);
    const int pl = static_cast<int>(a.pad[1]), pt = static_cast<int>(a.pad[0]);

    Var c("c"), x("x"), y("y"), n("n");
    Func padded = padded_input(in.x, a.pad, s, c, x, y, n);
    if (a.pad != ir::Pads{0, 0, 0, 0} && xs.extents[0] >= s.vector_width)
        padded.vectorize(c, s.vector_width);
    auto residual = [&](Expr v) { return in.residual ? v + (*in.residual)(c, x, y, n) : v; };
    Func out("conv_out");
    const int vec = s.vector_width;

    if (plan.algorithm == "conv-grouped") {
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
            acc.vectorize(cg, gvec);
            acc.update().vectorize(cg, gvec);
        }
        build.output = out;
        build.vars = {c, x, y, n};
        schedule_pointwise(out, build.vars, ys, s);
        return;
    }

    Func acc("acc");
    const bool depthwise = plan.algorithm == "conv-depthwise";
    // Depthwise reduces over the window only; the others over (input channel, window).
    RDom r = depthwise ? RDom(0, kw, 0, kh, "r") : RDom(0, ci_total, 0, kw, 0, kh, "r");
    if (depthwise) {
        const int multiplier = co_total / ci_total;
        acc(c, x, y, n) = in.bias ? (*in.bias)(c) : Expr(0.0f);
        acc(c, x, y, n) += in.w(c, r.x, r.y) *
                           padded(multiplier == 1 ? Expr(c) : c / multiplier, x * sx + r.x * dx - pl,
                                  y * sy + r.y * dy - pt, n);
    } else {
        acc(c, x, y, n) = in.bias ? (*in.bias)(c) : Expr(0.0f);
        acc(c, x, y, n) += in.w(c, r.x, r.y, r.z) *
                           padded(r.x, x * sx + r.y * dx - pl, y * sy + r.z * dy - pt, n);
    }
    out(c, x, y, n) = activate(residual(acc(c, x, y, n)), e);

    // The register tile: `block` output channels (channel_vectors vectors) x pixel_tile pixels.
    const int block = vec * s.channel_vectors, pixels = s.pixel_tile;
    const int width = static_cast<int>(ys.extents[1]), height = static_cast<int>(ys.extents[2]);
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), xp("xp"), t("t");
    out.split(c, co, ci, block).split(x, xo, xi, pixels);
    if (height == 1 && width > pixels) {
        // One long row of pixels (the 1x1 conv as a matrix product): parallel over chunks of it.
        const int tiles = (width + pixels - 1) / pixels;
        const int chunk = std::max(1, (tiles + 15) / 16);
        out.split(xo, xp, xo, chunk, TailStrategy::GuardWithIf)
            .reorder(ci, xi, xo, xp, co, y, n);
        if (s.parallel) out.fuse(xp, co, t).parallel(t);
    } else {
        out.reorder(ci, xi, xo, y, co, n);
        if (s.parallel) out.fuse(y, co, t).parallel(t);
    }
    if (vec > 1) out.vectorize(ci, vec);
    out.unroll(ci).unroll(xi);

    acc.compute_at(out, xo);
    if (vec > 1) acc.vectorize(c, vec);
    acc.unroll(c).unroll(x);
    if (depthwise) {
        RVar rx = r.x, ry = r.y;
        acc.update().reorder(c, x, rx, ry);
        if (vec > 1) acc.update().vectorize(c, vec);
        acc.update().unroll(c).unroll(x);
        if (kw * kh <= 25) acc.update().unroll(rx).unroll(ry);
    } else {
        RVar rc = r.x, rx = r.y, ry = r.z;
        acc.update().reorder(c, x, rc, rx, ry);
        if (vec > 1) acc.update().vectorize(c, vec);
        acc.update().unroll(c).unroll(x);
        if (s.reduction_unroll > 1 && ci_total % s.reduction_unroll == 0)
            acc.update().unroll(rc, s.reduction_unroll);
    }
    build.output = out;
    build.vars = {c, x, y, n};
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
    acc.compute_at(out, y);
    if (plan.schedule.parallel) out.parallel(y);
    build.output = out;
    build.vars = {c, x, y, n};
}

} // namespace cnnc::codegen
