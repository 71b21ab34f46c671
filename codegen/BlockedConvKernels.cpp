// The CPU convolutions: the blocked product (BlockedProduct.h) with the input reads of the direct
// conv (conv-direct, conv-gemm-1x1 and conv-grouped whose groups fit channel blocks) and of
// conv-strided-1x1, with their schedule templates (the depthwise conv is DepthwiseConvKernel.cpp).
// Knobs come from the plan (ConvSchedules.cpp picks defaults with its cost model; a tuning
// record may replace them).
// Im2colConvKernel.cpp runs the same product over its window copy.
//
// Blocked direct conv, after Halide's apps/conv_layer. Data is NHWC; weights are packed per
// block of B = vector_width x channel_vectors output channels, [block][ky][kx][k][B], so the
// weights one tile reads are one contiguous stream (an unblocked [..][Co] packing strides by Co
// per input channel and thrashes the TLB on late layers). A tile of channel_vectors x pixel_tile
// vectors accumulates in registers while the reduction runs input channels innermost, then the
// window (weights over 2 MiB: chunks of channels through the window, see reduction_order): per
// step, channel_vectors weight loads and pixel_tile broadcasts feed cv x px FMAs. The
// epilogue (bias as the initial value, residual, activation) is applied as the tile is stored.
// A grouped conv whose block covers whole groups reduces over the block's groups' channels with
// zero weights across groups (block-diagonal): up to B/cog x the arithmetic, but every lane busy
// at full vector width, which beats a per-group kernel of 4- or 8-wide vectors; a block inside
// one group wastes nothing. Where the cost model says so, groups narrower than a vector run
// conv-grouped-broadcast instead (GroupedConvKernel.cpp: no zero weights, a spread input).
// Tasks are (row strips x channel blocks), or row strips running every block (task_order 1), so
// late 7x7 and 14x14 layers still give both cores work.
#include "codegen/BlockedProduct.h"
#include "codegen/ConvSchedules.h"

#include "ir/Error.h"

namespace cnnc::codegen {

using namespace Halide;

namespace {

// The order in which a tile walks its block's reduction (input channels k times the window).
// Inside a model the late layers' weights (9.4 MB for ResNet-50's 3x3 512->512, 4 MB for its 1x1
// 2048->512) arrive from memory on the first tile of each block, as one sequential stream when k
// runs innermost over all channels, which one core reads at ~7 GB/s here. Instead the tile takes
// `chunk` channels (a 64-byte line of a pixel) through the whole window, and alternates between
// `streams` far-apart halves of the channels, so that kh x kw x streams weight streams (and as
// many input lines) are in flight at once. In ResNet-50 (one thread, 5 interleaved rounds on a
// loaded machine) layer4's 3x3 convs went from 2.49-2.54 to 2.17-2.26 ms and its strided 1x1
// shortcut from 2.17 to 1.88 ms, while untouched kernels moved by -5..+7%. Weights that fit a
// core's L2 stay warm between runs, and there the plain order measured 1-5% faster, so only
// convs with larger weights take it. im2col's column already holds each pixel's window
// contiguously and keeps the plain order.
constexpr int64_t streamed_weight_bytes = 2 << 20; // a core's L2 here: larger weights are never warm

struct ReductionOrder {
    int chunk = 1;   // input channels per step of the window loop
    int streams = 1; // far-apart parts of the channels interleaved
};

ReductionOrder reduction_order(int reduction, bool im2col, int64_t weight_bytes) {
    if (im2col || weight_bytes <= streamed_weight_bytes) return {reduction, 1};
    ReductionOrder order{reduction, 1};
    for (int c : {16, 8, 32, 12, 4})
        if (reduction % c == 0) {
            order.chunk = c;
            break;
        }
    if ((reduction / order.chunk) % 2 == 0) order.streams = 2;
    return order;
}

// Task order 2 (ConvSchedules.h, strip_reduction_chunk): tasks are (row strips, channel blocks)
// as with order 0, but the strip's accumulators live in L1 for the whole task and the block's
// reduction runs in chunks of `chunk` input channels (the whole window each) across the strip's
// tiles: each tile sums one chunk in registers (part) and adds it to its accumulators, and every
// tile of the strip takes the chunk before the next one starts. A tile then reads the chunk's
// weights from L1, where order 0 streams all of the block's weights from L2 for every tile and,
// for weights beyond L2 (ResNet-50's 512-channel 3x3s: 9.4 MB), stalls each task's first tile
// on the far stream instead of spreading it over the strip's FMAs.
// Tiles are whole: a ragged row's last tile is rounded up past the row (an update cannot shift
// a tile inwards and add its overlap twice), reading the row's last pixel again there; a
// ragged last strip is shifted inwards (its rows computed again), as out's guarded split asks.
void build_strip_chunked_product(const ir::Op &op, const KernelPlan &plan, KernelBuild &build,
                                 const BlockedInputRead &read, int chunk) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &ws = plan.inputs[1].shape, &ys = plan.output.shape;
    const int co_total = static_cast<int>(ys.extents[0]);
    const int lanes = static_cast<int>(ws.extents[0]), reduction = static_cast<int>(ws.extents[1]);
    const int kw = static_cast<int>(a.kernel[1]), kh = static_cast<int>(a.kernel[0]);
    const int vec = s.vector_width, pixels = s.pixel_tile;
    const int width = static_cast<int>(ys.extents[1]), height = static_cast<int>(ys.extents[2]);
    const bool ragged = co_total % lanes != 0;
    internal_assert(a.groups == 1 && height > 1 && reduction % chunk == 0,
                    "a chunked strip needs one group, rows and a chunk dividing {} channels",
                    reduction);

    Var c("c"), x("x"), y("y"), n("n"), lane("lane"), blk("blk"), kc("kc");
    RDom r(0, chunk, 0, kw, 0, kh, "r");
    RDom rc(0, reduction / chunk, "rc");
    Func acc("acc"), part("part"), out("conv_out"), input("window_input");
    Expr channel = ragged ? min(blk * lanes + lane, co_total - 1) : blk * lanes + lane;
    Expr k = kc * chunk + r[0];
    Var ki("ki"), kx("kx"), ky("ky");
    input(ki, kx, ky, x, y, n) = read(ki, kx, ky, x, y, n);
    part(lane, blk, x, y, n, kc) = Expr(0.0f);
    part(lane, blk, x, y, n, kc) += in.w(lane, k, r[1], r[2], blk) *
                                    input(k, r[1], r[2], min(x, width - 1), min(y, height - 1), n);
    acc(lane, blk, x, y, n) = in.bias ? (*in.bias)(channel) : Expr(0.0f);
    acc(lane, blk, x, y, n) += part(lane, blk, x, y, n, rc);
    Expr v = acc(c % lanes, c / lanes, x, y, n);
    if (in.residual)
        v += (*in.residual)(c, x, y, n);
    out(c, x, y, n) = activate(v, ir::epilogue_of(op));

    // The loop nest of task order 0 (see build_blocked_product); the task is one (strip, block).
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), yo("yo"), yi("yi"), t("t");
    out.split(c, co, ci, lanes, ragged ? TailStrategy::GuardWithIf : TailStrategy::Auto)
        .split(x, xo, xi, pixels)
        .split(y, yo, yi, std::min(s.row_tile, height), TailStrategy::GuardWithIf)
        .reorder(ci, xi, xo, yi, co, yo, n);
    LoopLevel task(out, co);
    if (s.parallel && ragged) {
        out.parallel(yo).parallel(co);
    } else if (s.parallel) {
        out.fuse(co, yo, t).parallel(t);
        task = LoopLevel(out, t);
    }
    if (vec > 1)
        out.vectorize(ci, vec);
    out.unroll(ci).unroll(xi);

    Var xt("xt"), xq("xq");
    acc.compute_at(task);
    if (vec > 1)
        acc.vectorize(lane, vec);
    acc.unroll(lane);
    acc.update()
        .split(x, xt, xq, pixels, TailStrategy::RoundUp)
        .reorder(lane, xq, xt, y, rc, blk, n);
    if (vec > 1)
        acc.update().vectorize(lane, vec);
    acc.update().unroll(lane).unroll(xq);
    part.compute_at(acc, xt);
    if (vec > 1)
        part.vectorize(lane, vec);
    part.unroll(lane).unroll(x);
    part.update().reorder(lane, x, r[0], r[1], r[2], blk, y, n, kc);
    if (vec > 1)
        part.update().vectorize(lane, vec);
    part.update().unroll(lane).unroll(x);
    if (s.reduction_unroll > 1 && chunk % s.reduction_unroll == 0)
        part.update().unroll(r[0], s.reduction_unroll);
    build.output = out;
    build.vars = {c, x, y, n};
}

// Task order 2 of a long row (ConvSchedules.h, row_reduction_chunk): tasks are (pixel chunks,
// channel blocks) as with order 0, but the task's accumulators live in L1 and the block's
// reduction runs in chunks of `chunk` input channels across the task's tiles: each tile sums one
// chunk in registers (part) and adds it to its accumulators before the next tile takes the same
// chunk, whose weights (chunk x lanes floats, 4 KB for 32 channels of a 32-lane block) are then
// in L1. Order 0 streams all of the block's weights from L2 for every tile, and on its first
// tile from beyond L2 at the rate the FMAs consume them; here that far stream is spread over all
// of the task's tiles. One thread, bench/long_row_tiles.cpp: ResNet-50's 512->2048 and
// 2048->512 at 7x7 (weights beyond L2) ran 14-18% faster as 2 x 7 tiles over 32-channel chunks
// than order 0 with the interleaved reduction (reduction_order), and at or below oneDNN's time;
// at 14x14 and 28x28 (2 x 14 tiles, half the weight bytes per FMA) the chunks cost 2-20%.
// Tiles are whole, as in build_strip_chunked_product: a ragged row's last tile is rounded up
// past the row and reads the row's last pixel again there.
void build_row_chunked_product(const ir::Op &op, const KernelPlan &plan, KernelBuild &build,
                               const BlockedInputRead &read, int chunk) {
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &xs = plan.inputs[0].shape, &ws = plan.inputs[1].shape, &ys = plan.output.shape;
    const int co_total = static_cast<int>(ys.extents[0]);
    const int lanes = static_cast<int>(ws.extents[0]), reduction = static_cast<int>(xs.extents[0]);
    const int vec = s.vector_width, pixels = s.pixel_tile;
    const int width = static_cast<int>(ys.extents[1]);
    const bool ragged = co_total % lanes != 0;
    internal_assert(ys.extents[2] == 1 && ws.extents[1] == reduction && ws.extents[2] == 1 && ws.extents[3] == 1 &&
                        reduction % chunk == 0,
                    "a chunked long row needs a 1x1 conv's blocked weights and a chunk dividing {} channels",
                    reduction);

    Var c("c"), x("x"), y("y"), n("n"), lane("lane"), blk("blk"), kc("kc");
    RDom r(0, chunk, "r");
    RDom rc(0, reduction / chunk, "rc");
    Func acc("acc"), part("part"), out("conv_out"), input("row_input");
    Expr channel = ragged ? min(blk * lanes + lane, co_total - 1) : blk * lanes + lane;
    Expr k = kc * chunk + r;
    Var ki("ki");
    input(ki, x, y, n) = read(ki, Expr(0), Expr(0), x, y, n);
    part(lane, blk, x, y, n, kc) = Expr(0.0f);
    part(lane, blk, x, y, n, kc) += in.w(lane, k, 0, 0, blk) * input(k, min(x, width - 1), y, n);
    acc(lane, blk, x, y, n) = in.bias ? (*in.bias)(channel) : Expr(0.0f);
    acc(lane, blk, x, y, n) += part(lane, blk, x, y, n, rc);
    Expr v = acc(c % lanes, c / lanes, x, y, n);
    if (in.residual) v += (*in.residual)(c, x, y, n);
    out(c, x, y, n) = activate(v, ir::epilogue_of(op));

    // The loop nest of order 0 over a long row (build_blocked_product); the task is one (pixel
    // chunk, block) pair, so a ragged conv nests its parallel loops instead of fusing them.
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), xp("xp"), t("t");
    const int tiles = (width + pixels - 1) / pixels;
    const int per_task = s.row_tile > 1 ? std::min(s.row_tile, tiles) : std::max(1, (tiles + 15) / 16);
    out.split(c, co, ci, lanes, ragged ? TailStrategy::GuardWithIf : TailStrategy::Auto)
        .split(x, xo, xi, pixels)
        .split(xo, xp, xo, per_task, TailStrategy::GuardWithIf)
        .reorder(ci, xi, xo, xp, co, y, n);
    LoopLevel task(out, xp);
    if (s.parallel && ragged) {
        out.parallel(xp).parallel(co);
    } else if (s.parallel) {
        // Pixel chunks outermost, as order 0's tasks (build_blocked_product).
        out.reorder(co, xp).fuse(co, xp, t).parallel(t);
        task = LoopLevel(out, t);
    }
    if (vec > 1) out.vectorize(ci, vec);
    out.unroll(ci).unroll(xi);

    Var xt("xt"), xq("xq");
    acc.compute_at(task);
    if (vec > 1) acc.vectorize(lane, vec);
    acc.unroll(lane);
    acc.update().split(x, xt, xq, pixels, TailStrategy::RoundUp).reorder(lane, xq, xt, y, rc, blk, n);
    if (vec > 1) acc.update().vectorize(lane, vec);
    acc.update().unroll(lane).unroll(xq);
    part.compute_at(acc, xt);
    if (vec > 1) part.vectorize(lane, vec);
    part.unroll(lane).unroll(x);
    part.update().reorder(lane, x, r, blk, y, n, kc);
    if (vec > 1) part.update().vectorize(lane, vec);
    part.update().unroll(lane).unroll(x);
    if (s.reduction_unroll > 1 && chunk % s.reduction_unroll == 0) part.update().unroll(r, s.reduction_unroll);
    build.output = out;
    build.vars = {c, x, y, n};
}

} // namespace

BlockedProductTask build_blocked_product(const ir::Op &op, const KernelPlan &plan, KernelBuild &build,
                                         const BlockedInputRead &read) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    if (const int chunk = strip_reduction_chunk(conv_shape_of(a, plan), plan.schedule)) {
        build_strip_chunked_product(op, plan, build, read, chunk);
        return {};
    }
    if (const int chunk = row_reduction_chunk(conv_shape_of(a, plan), plan.schedule)) {
        build_row_chunked_product(op, plan, build, read, chunk);
        return {};
    }
    const ir::Epilogue e = ir::epilogue_of(op);
    const ConvOperands in = conv_operands(op, build);
    const Schedule &s = plan.schedule;
    const BufferShape &xs = plan.inputs[0].shape, &ws = plan.inputs[1].shape, &ys = plan.output.shape;
    const int ci_total = static_cast<int>(xs.extents[0]), co_total = static_cast<int>(ys.extents[0]);
    const int lanes = static_cast<int>(ws.extents[0]), reduction = static_cast<int>(ws.extents[1]);
    const int groups = static_cast<int>(a.groups), cog = co_total / groups, cig = ci_total / groups;
    const int kw = static_cast<int>(a.kernel[1]), kh = static_cast<int>(a.kernel[0]);
    const int vec = s.vector_width, pixels = s.pixel_tile;
    const int width = static_cast<int>(ys.extents[1]), height = static_cast<int>(ys.extents[2]);
    const bool ragged = co_total % lanes != 0;

    Var c("c"), x("x"), y("y"), n("n"), lane("lane"), blk("blk");
    // Innermost first: channels of a chunk, the window, the streams, the chunks of a stream.
    const int64_t weight_bytes = int64_t{4} * lanes * reduction * kw * kh * ws.extents[4];
    const ReductionOrder order = reduction_order(reduction, plan.algorithm == "conv-im2col-gemm", weight_bytes);
    const int per_stream = reduction / order.streams;
    RDom r(0, order.chunk, 0, kw, 0, kh, 0, order.streams, 0, per_stream / order.chunk, "r");
    Expr k = r[3] * per_stream + r[4] * order.chunk + r[0];
    Expr base = groups == 1 ? Expr(0) : (blk * lanes / cog) * cig;
    Func acc("acc"), out("conv_out");
    Expr channel = ragged ? min(blk * lanes + lane, co_total - 1) : blk * lanes + lane;
    acc(lane, blk, x, y, n) = in.bias ? (*in.bias)(channel) : Expr(0.0f);
    acc(lane, blk, x, y, n) += in.w(lane, k, r[1], r[2], blk) * read(base + k, r[1], r[2], x, y, n);
    Expr v = acc(c % lanes, c / lanes, x, y, n);
    if (in.residual) v += (*in.residual)(c, x, y, n);
    out(c, x, y, n) = activate(v, e);

    Var co("co"), ci("ci"), xo("xo"), xi("xi"), xp("xp"), yo("yo"), yi("yi"), t("t");
    BlockedProductTask task;
    // A ragged last block is guarded, but Halide bounds a guarded split's producers as if it
    // were shifted inwards: the last block's tile asks acc for two blocks. Unless the channel
    // block loop is partitioned into full blocks and the last one, every tile's acc then has a
    // run-time extent and lives in memory, not registers (96->208 3x3 at 14x14 ran 3.3x slower
    // than the same schedule with its blocks in a loop of their own). Loop partitioning needs
    // the block as a loop variable, so with tasks over (pixels, blocks) a ragged conv nests a
    // parallel loop over blocks in the parallel loop over pixels instead of fusing the two.
    out.split(c, co, ci, lanes, ragged ? TailStrategy::GuardWithIf : TailStrategy::Auto).split(x, xo, xi, pixels);
    if (height == 1) {
        // One long row of pixels (a matrix product over pixels): parallel over chunks of it,
        // row_tile pixel tiles each when the schedule says (a task then reuses its block's
        // weights from L2 across them), else a 16th of the row.
        const int tiles = (width + pixels - 1) / pixels;
        const int chunk = s.row_tile > 1 ? std::min(s.row_tile, tiles) : std::max(1, (tiles + 15) / 16);
        out.split(xo, xp, xo, chunk, TailStrategy::GuardWithIf);
        if (s.task_order == 0 && ragged) {
            out.reorder(ci, xi, xo, xp, co, y, n);
            if (s.parallel) {
                out.parallel(xp).parallel(co);
                task.one_block = LoopLevel(out, co);
            }
        } else if (s.task_order == 0) {
            // Tasks run over the row (pixel chunks outermost), so the thread pool's caller and
            // worker, taking tasks from the two ends, each keep one part of the image from this
            // kernel to the next (runtime/SpinningThreadPool.cpp).
            out.reorder(ci, xi, xo, co, xp, y, n);
            if (s.parallel) {
                out.fuse(co, xp, t).parallel(t);
                task.one_block = LoopLevel(out, t);
            }
        } else {
            out.reorder(ci, xi, xo, co, xp, y, n);
            if (s.parallel) out.parallel(xp);
            task.every_block = LoopLevel(out, xp);
        }
    } else {
        out.split(y, yo, yi, std::min(s.row_tile, height), TailStrategy::GuardWithIf);
        if (s.task_order == 0 && ragged) {
            out.reorder(ci, xi, xo, yi, co, yo, n);
            if (s.parallel) {
                out.parallel(yo).parallel(co);
                task.one_block = LoopLevel(out, co);
            }
        } else if (s.task_order == 0) {
            out.reorder(ci, xi, xo, yi, co, yo, n);
            if (s.parallel) {
                out.fuse(co, yo, t).parallel(t);
                task.one_block = LoopLevel(out, t);
            }
        } else {
            out.reorder(ci, xi, xo, co, yi, yo, n);
            if (s.parallel) out.parallel(yo);
            task.every_block = LoopLevel(out, yo);
        }
    }
    if (vec > 1) out.vectorize(ci, vec);
    out.unroll(ci).unroll(xi);

    acc.compute_at(out, xo);
    if (vec > 1) acc.vectorize(lane, vec);
    acc.unroll(lane).unroll(x);
    acc.update().reorder(lane, x, r[0], r[1], r[2], r[3], r[4], blk, y, n);
    if (vec > 1) acc.update().vectorize(lane, vec);
    acc.update().unroll(lane).unroll(x);
    if (s.reduction_unroll > 1 && order.chunk % s.reduction_unroll == 0) acc.update().unroll(r[0], s.reduction_unroll);
    build.output = out;
    build.vars = {c, x, y, n};
    return task;
}

void build_blocked_conv(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ConvOperands in = conv_operands(op, build);
    const int ci_total = static_cast<int>(plan.inputs[0].shape.extents[0]);
    const int sx = static_cast<int>(a.stride[1]), sy = static_cast<int>(a.stride[0]);
    if (plan.algorithm == "conv-strided-1x1") {
        // The output is one long row of pixels (its NHWC memory viewed as [Co, Ho*Wo, 1, N]);
        // pixel p reads the input pixel (p % Wo * sx, p / Wo * sy) in place: the subsampling is
        // the load's address, no subsampled copy. Register tiles run across output rows, so a
        // 7x7 output still fills 8-pixel tiles.
        const int out_w = static_cast<int>(g.type(op.outputs[0]).dims[3]);
        const ImageParam image = in.x;
        build_blocked_product(op, plan, build, [=](Expr k, Expr, Expr, Var x, Var, Var n) {
            return image(k, (x % out_w) * sx, (x / out_w) * sy, n);
        });
        return;
    }
    const int dx = static_cast<int>(a.dilation[1]), dy = static_cast<int>(a.dilation[0]);
    const int pl = static_cast<int>(a.pad[1]), pt = static_cast<int>(a.pad[0]);
    Func padded("padded");
    Var c("c"), x("x"), y("y"), n("n");
    if (has_padding(a.pad)) {
        padded(c, x, y, n) = BoundaryConditions::constant_exterior(in.x, 0.0f)(c, x, y, n);
        if (ci_total >= plan.schedule.vector_width) padded.vectorize(c, plan.schedule.vector_width);
    } else {
        padded(c, x, y, n) = in.x(c, x, y, n);
    }
    const BlockedProductTask task =
        build_blocked_product(op, plan, build, [=](Expr k, Expr kx, Expr ky, Var ox, Var oy, Var on) {
            return padded(k, ox * sx + kx * dx - pl, oy * sy + ky * dy - pt, on);
        });
    // A task that runs every channel block of its rows (task order 1) pads just its rows' input,
    // which its blocks then read from L2; otherwise the padded image is copied once per call
    // before the conv starts, a pass that writes it to memory and reads it back (0.10-0.16 ms of
    // ResNet-50's 0.9-1.0 ms 3x3 stride-2 convs at 56 and 28 pixels, against inputs needing no
    // padding). Its 128->128 stride 2 ran 1.03 -> 0.87 ms as cv 2 x px 14 order 1 padding per task
    // instead of cv 4 x px 4 order 0 (caches flushed, 10 interleaved rounds, load ~10).
    if (has_padding(a.pad)) {
        if (task.every_block) padded.compute_at(*task.every_block);
        else padded.compute_root().parallel(y);
    }
}

} // namespace cnnc::codegen
