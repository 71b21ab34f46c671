// Halide pooling kernels on NHWC data: max_pool, avg_pool (count_include_pad both ways, ceil_mode
// windows), global average and max. Vectorised across channels (contiguous in NHWC), parallel over
// output rows; each output vector's window is reduced in registers.
//
// Which positions a window counts follows the reference (reference/Pooling.cpp): positions in the
// input always; pad positions too for avg_pool with count_include_pad, but never the part of a
// ceil_mode window past the end padding. The divisor therefore factors into a per-column count
// times a per-row count, each a small table computed in the kernel.
#include "codegen/GpuSchedules.h"
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"

#include <limits>

namespace cnnc::codegen {

using namespace Halide;

namespace {

// How many taps of the window producing output `o` land in [lo, hi).
Expr taps_in(Expr o, int stride, int dilation, int pad_begin, int kernel, int lo, int hi) {
    Expr count = 0;
    for (int k = 0; k < kernel; ++k) {
        Expr i = o * stride + k * dilation - pad_begin;
        count += select(i >= lo && i < hi, 1, 0);
    }
    return count;
}

void schedule_channels_rows(Func out, Func acc, Var c, Var y, const BufferShape &shape,
                            const Schedule &s) {
    if (s.gpu.active()) {
        Var x("x"), n("n");
        return schedule_gpu_reduction(out, acc, {c, x, y, n}, shape);
    }
    Var co("co"), ci("ci");
    const int vec = s.vector_width;
    if (vec > 1) {
        out.split(c, co, ci, vec).vectorize(ci);
        acc.compute_at(out, co).vectorize(c, vec);
        acc.update().vectorize(c, vec);
    } else {
        acc.compute_at(out, c);
    }
    if (s.parallel && shape.extents.size() > 2 && shape.extents[2] > 1) out.parallel(y);
}

} // namespace

void build_pool(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const ImageParam &in = build.params.at(0);
    const BufferShape &xs = plan.inputs[0].shape;
    const int in_w = static_cast<int>(xs.extents[1]), in_h = static_cast<int>(xs.extents[2]);
    Var c("c"), x("x"), y("y"), n("n");
    Func acc("pool_acc"), out("pool_out");
    build.vars = {c, x, y, n};
    const bool max_kind = op.kind == ir::OpKind::max_pool || op.kind == ir::OpKind::global_max_pool;
    const Expr init = max_kind ? Expr(-std::numeric_limits<float>::infinity()) : Expr(0.0f);

    if (op.kind == ir::OpKind::global_avg_pool || op.kind == ir::OpKind::global_max_pool) {
        RDom r(0, in_w, 0, in_h, "r");
        acc(c, x, y, n) = init;
        acc(c, x, y, n) = max_kind ? max(acc(c, x, y, n), in(c, r.x, r.y, n))
                                   : acc(c, x, y, n) + in(c, r.x, r.y, n);
        out(c, x, y, n) = max_kind ? acc(c, x, y, n) : acc(c, x, y, n) / static_cast<float>(in_w * in_h);
        schedule_channels_rows(out, acc, c, y, plan.output.shape, plan.schedule);
        build.output = out;
        return;
    }

    const auto &a = op.attr<ir::PoolAttrs>();
    const auto [kw, kh, sx, sy, dx, dy, pl, pt] = window_geometry(a);
    const int pr = static_cast<int>(a.pad[3]), pb = static_cast<int>(a.pad[2]);
    // Positions outside the input contribute nothing: -inf to a max, 0 to a sum.
    Func padded = BoundaryConditions::constant_exterior(in, init);
    RDom r(0, kw, 0, kh, "r");
    Expr ix = x * sx + r.x * dx - pl, iy = y * sy + r.y * dy - pt;
    acc(c, x, y, n) = init;
    acc(c, x, y, n) = max_kind ? max(acc(c, x, y, n), padded(c, ix, iy, n))
                               : acc(c, x, y, n) + padded(c, ix, iy, n);
    if (max_kind) {
        out(c, x, y, n) = acc(c, x, y, n);
    } else {
        const bool include_pad = a.count_include_pad;
        Expr cols = include_pad ? taps_in(x, sx, dx, pl, kw, -pl, in_w + pr) : taps_in(x, sx, dx, pl, kw, 0, in_w);
        Expr rows = include_pad ? taps_in(y, sy, dy, pt, kh, -pt, in_h + pb) : taps_in(y, sy, dy, pt, kh, 0, in_h);
        out(c, x, y, n) = acc(c, x, y, n) / cast<float>(cols * rows);
    }
    schedule_channels_rows(out, acc, c, y, plan.output.shape, plan.schedule);
    if (kw * kh <= 16) acc.update().unroll(r.x).unroll(r.y);
    build.output = out;
}

} // namespace cnnc::codegen
