// The Winograd F(m x m, 3 x 3) CPU kernel (see WinogradConvKernel.h for the stages and knobs).
//
// Data is NHWC (Halide dims c, x, y, n). The transforms are written with the matrices'
// coefficients as select chains on the transform indices; every such index is an unrolled loop
// variable, so Halide folds each coefficient to a constant and drops the zero terms. Both
// transforms are separable and run in two passes (rows, then columns), which halves their
// arithmetic for F(4,3). The GEMM is the blocked direct conv's register tile applied per
// transform point: channel_vectors weight vectors x pixel_tile tile broadcasts per input channel.
// Output tiles past the image's edge are guarded (never stored); their inputs read zeros.
#include "codegen/WinogradConvKernel.h"

#include "codegen/HalideHelpers.h"
#include "codegen/WinogradTransforms.h"
#include "ir/Error.h"

namespace cnnc::codegen {

using namespace Halide;

namespace {

// matrix[row][col] (row-major, `cols` wide) for a row given as an Expr: a select chain that
// folds to a constant once `row` is a constant.
Expr coefficient(const std::vector<double> &matrix, int rows, int cols, const Expr &row, int col) {
    Expr v = static_cast<float>(matrix[static_cast<size_t>((rows - 1) * cols + col)]);
    for (int r = rows - 2; r >= 0; --r)
        v = select(row == r, static_cast<float>(matrix[static_cast<size_t>(r * cols + col)]), v);
    return v;
}

// sum over col of matrix[row][col] * term(col), leaving out columns that are zero in every row.
template <typename Term>
Expr weighted_sum(const std::vector<double> &matrix, int rows, int cols, const Expr &row, Term term) {
    Expr sum;
    for (int col = 0; col < cols; ++col) {
        bool any = false;
        for (int r = 0; r < rows; ++r) any = any || matrix[static_cast<size_t>(r * cols + col)] != 0.0;
        if (!any) continue;
        Expr product = coefficient(matrix, rows, cols, row, col) * term(col);
        sum = sum.defined() ? sum + product : product;
    }
    return sum;
}

} // namespace

void build_winograd_conv(const ir::Graph &, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue epilogue = ir::epilogue_of(op);
    const Schedule &s = plan.schedule;
    const WinogradMatrices &w = winograd_matrices(s.winograd_tile);
    const int m = w.m, t = w.t;
    internal_assert(m == s.winograd_tile, "winograd tile {}", s.winograd_tile);
    const BufferShape &xs = plan.inputs[0].shape, &ws = plan.inputs[1].shape, &ys = plan.output.shape;
    const int ci_total = static_cast<int>(xs.extents[0]), co_total = static_cast<int>(ys.extents[0]);
    const int lanes = static_cast<int>(ws.extents[0]);
    const int height = static_cast<int>(ys.extents[2]);
    const int tiles_y = (height + m - 1) / m;
    const int pl = static_cast<int>(a.pad[1]), pt = static_cast<int>(a.pad[0]);
    const int vec = s.vector_width;
    internal_assert(co_total % lanes == 0 && lanes % vec == 0, "winograd blocks of {} over {} channels", lanes,
                    co_total);
    const ConvOperands operands = conv_operands(op, build);
    const ImageParam x_in = operands.x, u = operands.w;
    const std::optional<ImageParam> &bias = operands.bias, &residual = operands.residual;

    Var c("c"), x("x"), y("y"), n("n"), k("k"), tx("tx"), ty("ty"), e("e"), i("i"), j("j"), row("row");
    Var lane("lane"), blk("blk"), xi("xi");
    // Zero outside the image: the conv's padding and the overhang of the last tiles.
    Func input = BoundaryConditions::constant_exterior(x_in, 0.0f);

    // Input transform V = B^T d B: rows of the tile first (along x), then its columns.
    Func in_rows("winograd_in_rows"), v("winograd_in");
    in_rows(k, j, row, tx, ty, n) = weighted_sum(w.bt, t, t, j, [&](int col) {
        return input(k, tx * m + col - pl, ty * m + row - pt, n);
    });
    v(k, tx, ty, n, e) = weighted_sum(w.bt, t, t, e / t, [&](int r) { return in_rows(k, e % t, r, tx, ty, n); });

    // One GEMM per transform point e: M[e](co, tile) = sum_k U[e](co, k) V[e](k, tile).
    RDom r(0, ci_total, "r");
    Func acc("winograd_acc"), product("winograd_product");
    acc(lane, blk, tx, ty, n, e) = 0.0f;
    acc(lane, blk, tx, ty, n, e) += u(lane, r, e, blk) * v(r, tx, ty, n, e);
    product(lane, blk, tx, ty, n, e) = acc(lane, blk, tx, ty, n, e);

    // Output transform Y = A^T M A (rows, then columns) and the fused epilogue.
    Func out_rows("winograd_out_rows"), out("conv_out");
    out_rows(c, i, xi, tx, ty, n) = weighted_sum(w.at, m, t, xi, [&](int col) {
        return product(c % lanes, c / lanes, tx, ty, n, i * t + col);
    });
    Expr value = weighted_sum(w.at, m, t, y % m, [&](int r) { return out_rows(c, r, x % m, x / m, y / m, n); });
    if (bias) value = (*bias)(c) + value;
    if (residual) value += (*residual)(c, x, y, n);
    out(c, x, y, n) = activate(value, epilogue);

    // Tasks: strips of row_tile tile rows (x channel blocks with task_order 1). Within a task,
    // per channel block: the block's GEMM over the strip, then its output tiles.
    Var co("co"), cl("cl"), cvo("cvo"), cvi("cvi"), xt("xt"), xo("xo"), yt("yt"), yi("yi"), ystrip("ystrip"),
        task("task");
    const int rows = std::min(s.row_tile, tiles_y);
    out.split(c, co, cl, lanes)
        .split(cl, cvo, cvi, vec)
        .split(x, xt, xo, m, TailStrategy::GuardWithIf)
        .split(y, yt, yi, m, TailStrategy::GuardWithIf)
        .split(yt, ystrip, yt, rows, TailStrategy::GuardWithIf)
        .reorder(cvi, xo, yi, cvo, xt, yt, co, ystrip, n);
    if (vec > 1) out.vectorize(cvi);
    out.unroll(xo).unroll(yi);
    out_rows.compute_at(out, cvo);
    if (vec > 1) out_rows.vectorize(c, vec);
    out_rows.unroll(i).unroll(xi);

    const bool strip_tasks = s.task_order == 0;
    if (strip_tasks) {
        if (s.parallel) out.parallel(ystrip);
        product.compute_at(out, co);
    } else {
        out.fuse(co, ystrip, task);
        if (s.parallel) out.parallel(task);
        product.compute_at(out, task);
    }
    Var txo("txo"), txi("txi");
    product.split(tx, txo, txi, s.pixel_tile).reorder(lane, txi, txo, ty, n, e, blk);
    if (vec > 1) product.vectorize(lane, vec);
    product.unroll(lane).unroll(txi);
    acc.compute_at(product, txo);
    if (vec > 1) acc.vectorize(lane, vec);
    acc.unroll(lane).unroll(tx);
    acc.update().reorder(lane, tx, r, blk, ty, n, e);
    if (vec > 1) acc.update().vectorize(lane, vec);
    acc.update().unroll(lane).unroll(tx);
    if (s.reduction_unroll > 1 && ci_total % s.reduction_unroll == 0) acc.update().unroll(r, s.reduction_unroll);

    // The input transform: per task's strip (order 0), or once for the image (order 1).
    const int in_vec = std::min(vec, ci_total >= 16 ? 16 : ci_total >= 8 ? 8 : ci_total >= 4 ? 4 : 1);
    Var ko("ko"), ki("ki");
    if (strip_tasks) v.compute_at(out, ystrip);
    else {
        v.compute_root();
        if (s.parallel) v.parallel(ty);
    }
    v.split(k, ko, ki, in_vec).reorder(ki, e, ko, tx, ty, n).unroll(e);
    if (in_vec > 1) v.vectorize(ki);
    in_rows.compute_at(v, ko).unroll(j).unroll(row);
    if (in_vec > 1) in_rows.vectorize(k, in_vec);

    build.output = out;
    build.vars = {c, x, y, n};
}

} // namespace cnnc::codegen
