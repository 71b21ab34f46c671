// Grouped convs whose groups are narrower than a channel block (ResNeXt-50 32x4d has 4 and 8
// output channels a group against 16 lanes). The block-diagonal blocked kernel
// (BlockedConvKernels.cpp) reduces such a block over all its groups' input channels with zero
// weights across groups: B/cog times the useful FMAs (4x at 4 channels a group). Here a block of
// B lanes holds B/cog whole groups and reduces over cig input channels only: at step j, lane l
// multiplies input channel j of its own group l / cog. Those inputs differ between the groups of
// one vector, so they cannot be one broadcast; each task (a strip of output rows x one block)
// spreads its input rows into spread(lane, j, x, y) = the value lane l reads at step j (one
// shuffle per vector, once per input pixel, in a sliding window of rows), and the tile then loads
// them as plain vectors for the cig x window FMAs of each output pixel. Zero padding is applied
// while spreading, so there is no padded copy of the whole input. The tile is the blocked one
// (channel_vectors x pixel_tile accumulators over weights packed per block, [block][ky][kx][j][B]),
// the epilogue is applied at the store, and tasks are (row strip, block) pairs (task_order 0 only:
// a strip's spread input belongs to one block).
// The blocked grouped conv (conv-grouped: blocks inside one group, or block-diagonal over whole
// groups) is here too: the blocked product of BlockedConvKernels.cpp over an input that each
// task pads for itself.
#include "codegen/GroupedConvKernel.h"

#include "codegen/BlockedProduct.h"
#include "ir/Error.h"

#include <algorithm>

namespace cnnc::codegen {

using namespace Halide;

void build_grouped_broadcast_conv(const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &ws = plan.inputs[1].shape, &ys = plan.output.shape;
    const int co_total = static_cast<int>(ys.extents[0]), height = static_cast<int>(ys.extents[2]);
    const int lanes = static_cast<int>(ws.extents[0]), cig = static_cast<int>(ws.extents[1]);
    const int cog = co_total / static_cast<int>(a.groups);
    const int vec = s.vector_width, pixels = s.pixel_tile;
    internal_assert(
        lanes % cog == 0 && co_total % lanes == 0 && lanes % vec == 0 && s.task_order == 0,
        "conv-grouped-broadcast: blocks of {} lanes ({}-wide vectors, task order {}) over {} "
        "channels in groups of {}",
        lanes, vec, s.task_order, co_total, cog);
    const auto [kw, kh, sx, sy, dx, dy, pl, pt] = window_geometry(a);

    Var c("c"), x("x"), y("y"), n("n"), lane("lane"), blk("blk"), j("j"), ix("ix"), iy("iy");
    Func image =
        has_padding(a.pad) ? BoundaryConditions::constant_exterior(in.x, 0.0f) : Func(in.x);
    Func spread("spread");
    spread(lane, j, ix, iy, blk, n) = image((blk * lanes + lane) / cog * cig + j, ix, iy, n);

    RDom r(0, cig, 0, kw, 0, kh, "r");
    Func acc("acc"), out("conv_out");
    acc(lane, blk, x, y, n) = in.bias ? (*in.bias)(blk * lanes + lane) : Expr(0.0f);
    acc(lane, blk, x, y, n) +=
        in.w(lane, r[0], r[1], r[2], blk) *
        spread(lane, r[0], x * sx + r[1] * dx - pl, y * sy + r[2] * dy - pt, blk, n);
    Expr v = acc(c % lanes, c / lanes, x, y, n);
    if (in.residual)
        v += (*in.residual)(c, x, y, n);
    out(c, x, y, n) = activate(v, e);

    Var co("co"), ci("ci"), xo("xo"), xi("xi"), yo("yo"), yi("yi"), t("t");
    out.split(c, co, ci, lanes).split(x, xo, xi, pixels);
    out.split(y, yo, yi, std::min(s.row_tile, height), TailStrategy::GuardWithIf);
    out.reorder(ci, xi, xo, yi, co, yo, n);
    LoopLevel task(out, co);
    if (s.parallel) {
        out.fuse(co, yo, t).parallel(t);
        task = LoopLevel(out, t);
    }
    out.vectorize(ci, vec).unroll(ci).unroll(xi);

    // One vector of the spread holds vec / cog groups (or lies in one group): split so that the
    // group is a loop of its own and the channel index is a broadcast within it, which Halide
    // turns into a load of the groups' channels and a shuffle instead of a gather. Groups that
    // straddle vectors (12 channels a group in 16 lanes) are read lane by lane.
    // Rows are spread as the strip's output rows need them (a sliding window of kh + stride rows
    // in a folded buffer): each input row once per task, and the window stays in L1/L2 instead of
    // a whole strip's spread rows (1.8 MB for ResNeXt-50's layer2.0 at 64 lanes and 7 rows).
    spread.store_at(task).compute_at(out, yi);
    if (cog < vec && vec % cog == 0) {
        Var group("group"), within("within"), go("go"), gi("gi");
        spread.split(lane, group, within, cog).split(group, go, gi, vec / cog);
        spread.vectorize(within).vectorize(gi).unroll(go);
    } else {
        spread.vectorize(lane, vec).unroll(lane);
    }

    acc.compute_at(out, xo);
    acc.vectorize(lane, vec).unroll(lane).unroll(x);
    acc.update().reorder(lane, x, r[0], r[1], r[2], blk, y, n);
    acc.update().vectorize(lane, vec).unroll(lane).unroll(x);
    if (s.reduction_unroll > 1 && cig % s.reduction_unroll == 0)
        acc.update().unroll(r[0], s.reduction_unroll);
    build.output = out;
    build.vars = {c, x, y, n};
}

void build_grouped_blocked_conv(const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const auto [kw, kh, sx, sy, dx, dy, pl, pt] = window_geometry(a);
    Var c("c"), x("x"), y("y"), n("n");
    Func padded("padded");
    if (has_padding(a.pad))
        padded(c, x, y, n) = BoundaryConditions::constant_exterior(in.x, 0.0f)(c, x, y, n);
    else
        padded(c, x, y, n) = in.x(c, x, y, n);
    const BlockedProductTask task =
        build_blocked_product(op, plan, build, [=](Expr k, Expr kx, Expr ky, Var ox, Var oy, Var on) {
            return padded(k, ox * sx + kx * dx - pl, oy * sy + ky * dy - pt, on);
        });
    if (!has_padding(a.pad))
        return;
    // Each task pads only the input it reads, into a buffer of its own: its rows, and with tasks
    // over (rows, channel block) only its block's groups' channels. A padded copy of the whole
    // input (3.4 MB for ResNeXt-50's layer2.0, more than a core's L2) was written and read back
    // from beyond L2 before the first FMA. Testing the padding at each load instead leaves no
    // interior tile when a row is two tiles wide (layer2.0 ran 30% slower).
    if (task.every_block)
        padded.compute_at(*task.every_block);
    else if (task.one_block)
        padded.compute_at(*task.one_block);
    else
        padded.compute_root();
    const int64_t cig = plan.inputs[0].shape.extents[0] / a.groups;
    if (cig >= s.vector_width)
        padded.vectorize(c, s.vector_width);
}

} // namespace cnnc::codegen
