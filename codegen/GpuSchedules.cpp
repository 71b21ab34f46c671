// GPU schedule templates and their knobs (see GpuSchedules.h).
#include "codegen/GpuSchedules.h"
#include "codegen/GpuScheduleSpace.h"

#include "codegen/HalideHelpers.h"
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"

#include <fmt/format.h>

#include <algorithm>

namespace cnnc::codegen {

using namespace Halide;

namespace {

// The largest power of two <= min(limit, extent), at least 1.
int fit(int limit, int64_t extent) {
    int v = 1;
    while (v * 2 <= limit && v * 2 <= extent) v *= 2;
    return v;
}

bool is_boundary(const ir::Graph &g, ir::ValueId v) {
    if (g.constant_data(v)) return false;
    const auto &ins = g.inputs(), &outs = g.outputs();
    return std::find(ins.begin(), ins.end(), v) != ins.end() || std::find(outs.begin(), outs.end(), v) != outs.end();
}

// A 4-D boundary value's view re-strided to NCHW memory: the standard view (C, W, H, N) or the
// 1x1-conv view (C, H*W, 1, N) keep their extents and read NCHW strides.
void to_nchw(const ir::Graph &g, KernelOperand &o) {
    const ir::Dims &d = g.type(o.value).dims;
    if (d.size() != 4 || !is_boundary(g, o.value)) return;
    const int64_t n = d[0], c = d[1], h = d[2], w = d[3];
    const std::vector<int64_t> standard{c, w, h, n}, flat{c, h * w, 1, n};
    if (o.shape.extents == standard) o.shape.strides = {h * w, 1, w, c * h * w};
    else if (o.shape.extents == flat) o.shape.strides = {h * w, 1, h * w, c * h * w};
    else internal_assert(false, "no NCHW view of %{} as {}", g.value(o.value).name, o.shape.to_string());
}

// The register-tiled conv template's knobs: 2-D blocks of threads_c x threads_x threads, each
// thread tile_c channels (threads_c apart, so neighbouring threads read neighbouring channels)
// by tile_x pixels. Sized so a block holds 64-256 threads and 8-32 accumulators per thread, and
// staged input patch (chunk x patch width floats) stays small in shared memory.
GpuSchedule conv_knobs(const KernelPlan &plan, const ir::Op &op) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const BufferShape &o = plan.output.shape;
    const int64_t channels = o.extents[0], width = o.extents[1];
    GpuSchedule s;
    if (plan.algorithm == "conv-depthwise") {
        s.threads_c = fit(32, channels);
        s.threads_x = fit(8, width);
        s.tile_x = static_cast<int>(std::min<int64_t>(2, std::max<int64_t>(1, width / s.threads_x)));
        return s;
    }
    s.threads_c = fit(32, channels);
    s.tile_c = static_cast<int>(std::clamp<int64_t>(channels / s.threads_c, 1, 4));
    s.threads_x = fit(plan.algorithm == "conv-gemm-1x1" ? 8 : 4, width);
    s.tile_x = static_cast<int>(std::clamp<int64_t>(width / s.threads_x, 1, 4));
    const int64_t in_channels = plan.algorithm == "conv-grouped" ? plan.inputs[1].shape.extents[1]
                                                                 : plan.inputs[0].shape.extents[0];
    const int64_t window = a.kernel[0] * a.kernel[1];
    s.reduction_chunk = 1;
    // Grow the chunk (up to 16) while it divides the input channels and the block's weights for
    // one chunk (tile_c*threads_c x chunk x window floats) stay under 16 KB of cache.
    while (s.reduction_chunk * 2 <= in_channels && in_channels % (s.reduction_chunk * 2) == 0 &&
           int64_t(s.tile_c) * s.threads_c * s.reduction_chunk * 2 * window * 4 <= 16384 && s.reduction_chunk < 16)
        s.reduction_chunk *= 2;
    return s;
}

// Whether the conv template can run `s` on `plan`: a block of 1..1024 threads whose
// shared-memory accumulators (block_c x block_x floats) fit in 16 KB, and a reduction chunk that
// divides the input channels (the staging loop assumes whole chunks).
bool conv_knobs_fit(const KernelPlan &plan, const GpuSchedule &s) {
    const auto positive_power_of_two = [](int v) { return v > 0 && (v & (v - 1)) == 0; };
    if (!positive_power_of_two(s.threads_c) || !positive_power_of_two(s.threads_x) || s.tile_c < 1 || s.tile_x < 1 ||
        s.tile_c > 8 || s.tile_x > 8 || s.threads_c * s.threads_x > 1024)
        return false;
    if (plan.algorithm == "conv-depthwise") return s.tile_c == 1 && s.reduction_chunk == 1;
    const int64_t in_channels = plan.algorithm == "conv-grouped" ? plan.inputs[1].shape.extents[1]
                                                                 : plan.inputs[0].shape.extents[0];
    return s.reduction_chunk >= 1 && in_channels % s.reduction_chunk == 0 &&
           int64_t(s.threads_c) * s.tile_c * s.threads_x * s.tile_x * 4 <= 16384;
}

GpuSchedule simple_knobs(const BufferShape &o) {
    GpuSchedule s;
    s.threads_c = o.rank() > 0 ? fit(64, o.extents[0]) : 1;
    s.threads_x = o.rank() > 1 ? fit(256 / s.threads_c, o.extents[1]) : 1;
    return s;
}

// The output's pure vars beyond the first two, fused into one block dimension (GPUs have three).
Var fuse_outer(Func f, const std::vector<Var> &vars, size_t first) {
    Var fused = vars[first];
    for (size_t d = first + 1; d < vars.size(); ++d) {
        Var next(vars[d].name() + "_f");
        f.fuse(fused, vars[d], next);
        fused = next;
    }
    return fused;
}

} // namespace

std::string GpuSchedule::to_string() const {
    // gpu_template_version: the version of the templates in this file, bumped whenever the code
    // they emit changes.
    return fmt::format("{}={}x{}/{}x{}/rc={}", gpu_template_version, threads_c, threads_x, tile_c, tile_x,
                       reduction_chunk);
}

void plan_for_gpu(const ir::Graph &g, KernelPlan &plan, const TargetInfo &, const Schedule *forced) {
    const ir::Op &op = g.op(plan.op);
    for (KernelOperand &in : plan.inputs) to_nchw(g, in);
    to_nchw(g, plan.output);
    // A record whose knobs do not fit (hand-edited, or from another version) falls back to the rule.
    if (op.kind == ir::OpKind::conv2d && forced && forced->gpu.active() && conv_knobs_fit(plan, forced->gpu))
        plan.schedule.gpu = forced->gpu;
    else if (op.kind == ir::OpKind::conv2d) plan.schedule.gpu = conv_knobs(plan, op);
    else if (op.kind == ir::OpKind::gemm) {
        plan.schedule.gpu.threads_c = fit(128, plan.output.shape.extents[0]);
        plan.schedule.gpu.threads_x = 1;
        plan.schedule.gpu.tile_x = static_cast<int>(std::min<int64_t>(4, plan.output.shape.extents[1]));
    } else plan.schedule.gpu = simple_knobs(plan.output.shape);
}

std::vector<Schedule> gpu_conv_candidates(const ir::Graph &g, const KernelPlan &plan) {
    const ir::Op &op = g.op(plan.op);
    internal_assert(op.kind == ir::OpKind::conv2d, "GPU conv candidates for {}", ir::describe_op(g, op));
    const GpuSchedule base = conv_knobs(plan, op);
    const int64_t channels = plan.output.shape.extents[0], width = plan.output.shape.extents[1];
    const bool depthwise = plan.algorithm == "conv-depthwise";
    std::vector<std::pair<int, Schedule>> ranked;
    for (int tc = 4; tc <= 64; tc *= 2)
        for (int tx = 1; tx <= 32; tx *= 2)
            for (int cc : {1, 2, 4})
                for (int cx : {1, 2, 4})
                    for (int rc = 1; rc <= 32; rc *= 2) {
                        GpuSchedule s{tc, tx, cc, cx, rc};
                        // Blocks no wider than the output (idle threads), at least a warp's 32
                        // threads where the output has that many, and no more than 256.
                        const int threads = tc * tx;
                        if (tc > fit(64, channels) || tx > fit(32, width) || threads > 256 ||
                            threads < std::min<int64_t>(32, fit(64, channels) * fit(32, width)))
                            continue;
                        if (cc * tc > 2 * channels || cx * tx > 2 * width || !conv_knobs_fit(plan, s)) continue;
                        if (depthwise && (cc != 1 || rc != 1)) continue;
                        const int distance = (tc != base.threads_c) + (tx != base.threads_x) + (cc != base.tile_c) +
                                             (cx != base.tile_x) + (rc != base.reduction_chunk);
                        Schedule candidate = plan.schedule;
                        candidate.gpu = s;
                        ranked.emplace_back(distance, candidate);
                    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<Schedule> out;
    if (ranked.empty() || ranked.front().first != 0) { // the default always, even outside this space
        Schedule s = plan.schedule;
        s.gpu = base;
        out.push_back(s);
    }
    for (auto &[distance, s] : ranked) out.push_back(s);
    return out;
}

void build_conv_gpu(const ir::Graph &, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    const GpuSchedule &s = plan.schedule.gpu;
    const BufferShape &xs = plan.inputs[0].shape, &ys = plan.output.shape;
    const int ci_total = static_cast<int>(xs.extents[0]), co_total = static_cast<int>(ys.extents[0]);
    const auto [kw, kh, sx, sy, dx, dy, pl, pt] = window_geometry(a);
    const ConvOperands operands = conv_operands(op, build);
    const ImageParam x = operands.x, w = operands.w;
    const std::optional<ImageParam> &bias = operands.bias, &residual = operands.residual;

    Var c("c"), px("x"), py("y"), n("n");
    // Zero padding inline: on a GPU the bounds test costs less than a padded copy in memory, and
    // it happens once per staged element, not per multiply-add. Without padding it still guards
    // the staging loop, whose last threads may step past the patch (their values go unused).
    Func source("source");
    source(c, px, py, n) = BoundaryConditions::constant_exterior(x, 0.0f)(c, px, py, n);
    Func acc("acc"), out("conv_out");
    const bool depthwise = plan.algorithm == "conv-depthwise", grouped = plan.algorithm == "conv-grouped";
    // The accumulators are computed for whole register tiles, past the last channel or pixel
    // where the output does not divide into tiles (its stores are guarded); clamped coordinates
    // keep those spare lanes' reads inside the buffers.
    Expr cc = min(c, co_total - 1), xx = min(px, static_cast<int>(ys.extents[1]) - 1);
    acc(c, px, py, n) = bias ? (*bias)(cc) : Expr(0.0f);
    Var cb("cb"), ci("ci"), ct("ct"), cr("cr"), xb("xb"), xi("xi"), xt("xt"), xr("xr"), t("t");
    const auto finish = [&] {
        Expr v = acc(c, px, py, n);
        if (residual) v += (*residual)(c, px, py, n);
        out(c, px, py, n) = activate(v, e);
        build.output = out;
        build.vars = {c, px, py, n};
    };
    if (depthwise) {
        RDom r(0, kw, 0, kh, "r");
        const int multiplier = co_total / ci_total;
        acc(c, px, py, n) += w(cc, r.x, r.y) * source(multiplier == 1 ? cc : cc / multiplier, xx * sx + r.x * dx - pl,
                                                     py * sy + r.y * dy - pt, n);
        finish();
        // One channel per thread, tile_x pixels each; the window unrolled in registers.
        out.split(c, cb, ct, s.threads_c, TailStrategy::GuardWithIf)
            .split(px, xb, xi, s.threads_x * s.tile_x, TailStrategy::GuardWithIf)
            .split(xi, xt, xr, s.tile_x)
            .reorder(xr, ct, xt, cb, xb, py, n)
            .fuse(py, n, t)
            .unroll(xr)
            .gpu_threads(ct, xt)
            .gpu_blocks(cb, xb, t);
        acc.compute_at(out, ct).unroll(px);
        acc.update().reorder(px, r.x, r.y).unroll(px);
        if (kw * kh <= 25) acc.update().unroll(r.x).unroll(r.y);
        return;
    }

    // Direct and grouped: the reduction over input channels runs in chunks. `partial` is one
    // chunk's sum for one thread's register tile; `acc`, the block's running sums, adds one
    // partial per chunk. So a thread touches shared memory once per chunk, not once per
    // multiply-add, and the block synchronises twice per chunk (staged input ready, then used).
    const int chunk = s.reduction_chunk;
    const int reduced = grouped ? ci_total / static_cast<int>(a.groups) : ci_total;
    Var k("k");
    RDom r(0, chunk, 0, kw, 0, kh, "r");
    RDom chunks(0, reduced / chunk, "chunks");
    Func partial("partial");
    partial(c, px, py, n, k) = 0.0f;
    Expr in_channel = k * chunk + r.x;
    if (grouped) {
        const int cog = co_total / static_cast<int>(a.groups);
        partial(c, px, py, n, k) += w(cc % cog, in_channel, r.y, r.z, cc / cog) *
                                    source((cc / cog) * reduced + in_channel, xx * sx + r.y * dx - pl,
                                           py * sy + r.z * dy - pt, n);
    } else {
        partial(c, px, py, n, k) +=
            w(cc, in_channel, r.y, r.z) * source(in_channel, xx * sx + r.y * dx - pl, py * sy + r.z * dy - pt, n);
    }
    acc(c, px, py, n) += partial(c, px, py, n, chunks);
    finish();

    // A block owns block_c channels x block_x pixels; each thread a contiguous tile_c x tile_x
    // register tile of them (contiguous, so the tile is a small box Halide can keep in registers).
    const int block_c = s.threads_c * s.tile_c, block_x = s.threads_x * s.tile_x;
    out.split(c, cb, ci, block_c, TailStrategy::GuardWithIf)
        .split(ci, ct, cr, s.tile_c)
        .split(px, xb, xi, block_x, TailStrategy::GuardWithIf)
        .split(xi, xt, xr, s.tile_x)
        .reorder(cr, xr, ct, xt, cb, xb, py, n)
        .fuse(py, n, t)
        .unroll(cr)
        .unroll(xr)
        .gpu_threads(ct, xt)
        .gpu_blocks(cb, xb, t);
    // The running sums live in shared memory for the whole block. RoundUp on both stages: the
    // last block's partial tile is still computed whole, so every thread finds its sums at the
    // same place in the pure and the update stage (the update's default, ShiftInwards, would
    // shift a partial tile under other threads). (MemoryType::Register at block level would give
    // every thread a private copy of the whole block's tile in Halide 14.)
    Var at("at"), ar("ar"), xt2("xt2"), xr2("xr2");
    acc.compute_at(out, cb)
        .store_in(MemoryType::GPUShared)
        .split(c, at, ar, s.tile_c, TailStrategy::RoundUp)
        .split(px, xt2, xr2, s.tile_x, TailStrategy::RoundUp)
        .reorder(ar, xr2, at, xt2)
        .unroll(ar)
        .unroll(xr2)
        .gpu_threads(at, xt2);
    acc.update()
        .split(c, at, ar, s.tile_c, TailStrategy::RoundUp)
        .split(px, xt2, xr2, s.tile_x, TailStrategy::RoundUp)
        .reorder(ar, xr2, at, xt2, chunks)
        .unroll(ar)
        .unroll(xr2)
        .gpu_threads(at, xt2);
    // One chunk's partial sums inside the thread: tile_c x tile_x registers, fully unrolled.
    partial.compute_at(acc, at).unroll(c).unroll(px);
    partial.update().reorder(c, px, r.x, r.y, r.z).unroll(c).unroll(px).unroll(r.x);
    if (kw * kh <= 9) partial.update().unroll(r.y).unroll(r.z);
    // Per chunk, the block loads the input patch it needs into shared memory, all its threads
    // cooperating (neighbouring threads, neighbouring channels). The staging loop is laid over the
    // block's own threads_c x threads_x shape: Halide sizes a block by the largest extent each
    // thread dimension has in any stage, so one flat dimension of all the threads would multiply
    // the block by threads_x (2048 threads at 32x8, over CUDA's limit of 1024).
    const int threads = s.threads_c * s.threads_x;
    Func staged_in = source.in(partial);
    const std::vector<Var> in_args = staged_in.args();
    Var f("f"), fo("fo"), fi("fi"), fc("fc"), fx("fx");
    staged_in.compute_at(acc, chunks)
        .store_in(MemoryType::GPUShared)
        .fuse(in_args[0], in_args[1], f)
        .split(f, fo, fi, threads, TailStrategy::GuardWithIf)
        .split(fi, fx, fc, s.threads_c)
        .gpu_threads(fc, fx);
}

void schedule_gpu_pointwise(Func f, const std::vector<Var> &vars, const BufferShape &shape) {
    if (shape.rank() == 0) {
        f.gpu_single_thread();
        return;
    }
    const int t0 = fit(64, shape.extents[0]);
    Var b0("b0"), t0v("t0");
    f.split(vars[0], b0, t0v, t0, TailStrategy::GuardWithIf);
    if (shape.rank() == 1) {
        f.gpu_blocks(b0).gpu_threads(t0v);
        return;
    }
    const int t1 = fit(256 / t0, shape.extents[1]);
    Var b1("b1"), t1v("t1");
    f.split(vars[1], b1, t1v, t1, TailStrategy::GuardWithIf).reorder(t0v, t1v, b0, b1);
    if (shape.rank() == 2) {
        f.gpu_blocks(b0, b1).gpu_threads(t0v, t1v);
        return;
    }
    const Var outer = fuse_outer(f, vars, 2);
    f.gpu_blocks(b0, b1, outer).gpu_threads(t0v, t1v);
}

void schedule_gpu_reduction(Func out, Func acc, const std::vector<Var> &vars, const BufferShape &shape) {
    schedule_gpu_pointwise(out, vars, shape);
    // Inside the innermost thread loop: the accumulator is one register per thread.
    if (shape.rank() == 0) return;
    acc.compute_at(out, Var("t0"));
}

void schedule_gpu_gemm(Func out, Func acc, Var col, Var row, RDom k, const BufferShape &shape, const GpuSchedule &s) {
    // Threads across columns (B's contiguous dim: neighbouring threads, neighbouring loads), each
    // thread tile_x rows with their accumulators in registers, K innermost.
    Var cb("cb"), ct("ct"), rb("rb"), rr("rr");
    const int rows = std::max(1, s.tile_x);
    out.split(col, cb, ct, s.threads_c, TailStrategy::GuardWithIf)
        .split(row, rb, rr, rows, TailStrategy::GuardWithIf)
        .reorder(rr, ct, cb, rb)
        .unroll(rr)
        .gpu_threads(ct)
        .gpu_blocks(cb, rb);
    acc.compute_at(out, ct).unroll(row);
    acc.update().reorder(row, k.x).unroll(row);
    if (shape.rank() > 0) acc.update().unroll(k.x, 4, TailStrategy::GuardWithIf);
}

void schedule_gpu_update(Stage stage, const RDom &r) {
    stage.allow_race_conditions(); // each point of r writes its own element
    RVar b0("b0"), t0("t0");
    stage.split(r[0], b0, t0, 64, TailStrategy::GuardWithIf);
    if (r.dimensions() == 1) {
        stage.gpu_blocks(b0).gpu_threads(t0);
        return;
    }
    RVar b1("b1"), t1("t1");
    stage.split(r[1], b1, t1, 4, TailStrategy::GuardWithIf).reorder(t0, t1, b0, b1);
    if (r.dimensions() == 2) {
        stage.gpu_blocks(b0, b1).gpu_threads(t0, t1);
        return;
    }
    RVar outer = r[2];
    for (int d = 3; d < r.dimensions(); ++d) {
        RVar fused(r[d].name() + "_f");
        stage.fuse(outer, r[d], fused);
        outer = fused;
    }
    stage.gpu_blocks(b0, b1, outer).gpu_threads(t0, t1);
}

} // namespace cnnc::codegen
