// The CPU depthwise convolution (conv-depthwise) and its schedule template. Knobs come from the
// plan (ConvSchedules.cpp picks defaults with its cost model; a tuning record may replace them).
//
// Depthwise: each output vector is a window of FMAs over input vectors of the same channels, so
// it is bound by loads; the tile is channel_vectors x pixel_tile vectors with the window unrolled
// (adjacent outputs share input vectors in registers), and tasks are strips of row_tile output
// rows. The zero padding is never materialised (see the comment at `padded`).
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"

#include <optional>

namespace cnnc::codegen {

using namespace Halide;

void build_depthwise_conv(const ir::Graph &, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &xs = plan.inputs[0].shape, &ys = plan.output.shape;
    const int ci_total = static_cast<int>(xs.extents[0]), co_total = static_cast<int>(ys.extents[0]);
    const auto [kw, kh, sx, sy, dx, dy, pl, pt] = window_geometry(a);
    const int vec = s.vector_width, lanes = vec * s.channel_vectors;
    const int height = static_cast<int>(ys.extents[2]);
    const int multiplier = co_total / ci_total;

    Var c("c"), x("x"), y("y"), n("n");
    // Zero padding on x and y only (the channel index never leaves its range), inlined into the
    // window's loads rather than copied: constant_exterior marks its in-bounds test `likely`, so
    // Halide partitions the pixel-tile and row loops into border iterations that test and an
    // interior that loads straight from the input. A padded copy (even per task, in cache) cost
    // an extra write and read of every input value, which is what a load-bound kernel cannot
    // afford: 20-40% of the big early layers' time in an interleaved A/B.
    Func padded("padded");
    const int in_w = static_cast<int>(xs.extents[1]), in_h = static_cast<int>(xs.extents[2]);
    if (has_padding(a.pad))
        padded(c, x, y, n) =
            BoundaryConditions::constant_exterior(in.x, 0.0f, {Range(), Range(0, in_w), Range(0, in_h), Range()})(
                c, x, y, n);
    else
        padded(c, x, y, n) = in.x(c, x, y, n);
    RDom r(0, kw, 0, kh, "r");
    Func acc("acc"), out("conv_out");
    // Channels are independent, so a ragged last block is shifted inwards to end at the last
    // channel (recomputing some of the previous block's) when the image has a whole block of
    // channels. Guarding it instead (GuardWithIf) computed wrong values in every channel when a
    // whole vector of the block lay past the last channel (48 channels in 32-lane blocks: max
    // rel err 1). With fewer channels than one block (then one vector), the lanes past the last
    // channel read its operands (clamped) and the guarded store skips them.
    const bool short_block = co_total < lanes;
    Expr cc = short_block ? min(c, co_total - 1) : Expr(c);
    acc(c, x, y, n) = in.bias ? (*in.bias)(cc) : Expr(0.0f);
    acc(c, x, y, n) += in.w(cc, r.x, r.y) *
                       padded(multiplier == 1 ? cc : cc / multiplier, x * sx + r.x * dx - pl, y * sy + r.y * dy - pt, n);
    Expr v = acc(c, x, y, n);
    if (in.residual) v += (*in.residual)(c, x, y, n);
    out(c, x, y, n) = activate(v, e);

    Var co("co"), ci("ci"), xo("xo"), xi("xi"), yo("yo"), yi("yi");
    out.split(c, co, ci, lanes, short_block ? TailStrategy::GuardWithIf : TailStrategy::ShiftInwards)
        .split(x, xo, xi, s.pixel_tile)
        .split(y, yo, yi, std::min(s.row_tile, height), TailStrategy::GuardWithIf)
        .reorder(ci, xi, co, xo, yi, yo, n);
    if (s.parallel) out.parallel(yo);
    if (vec > 1) out.vectorize(ci, vec);
    out.unroll(ci).unroll(xi);
    acc.compute_at(out, co);
    if (vec > 1) acc.vectorize(c, vec);
    acc.unroll(c).unroll(x);
    acc.update().reorder(c, x, r.x, r.y);
    if (vec > 1) acc.update().vectorize(c, vec);
    acc.update().unroll(c).unroll(x);
    if (kw * kh <= 25) acc.update().unroll(r.x).unroll(r.y);
    build.output = out;
    build.vars = {c, x, y, n};
}

} // namespace cnnc::codegen
