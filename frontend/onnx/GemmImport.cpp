// Gemm (transA/transB/alpha/beta; C optional from opset 11) and MatMul. The IR's gemm is 2-D,
// so MatMul of a rank-N left operand by a matrix is flattened to 2-D around it, and a 1-D
// operand is made a row or column as numpy's matmul does; a batched right operand (rank > 2)
// has no IR counterpart.
#include "frontend/onnx/OpTable.h"

namespace cnnc::frontend::onnximport {

namespace {

void import_gemm(Context &ctx) {
    ctx.require_f32(0);
    ctx.require_f32(1);
    ctx.dims_of_rank(0, 2, "matrix A");
    ctx.dims_of_rank(1, 2, "matrix B");
    ir::GemmAttrs a;
    a.trans_a = ctx.attr_int("transA", 0) != 0;
    a.trans_b = ctx.attr_int("transB", 0) != 0;
    a.alpha = ctx.attr_float("alpha", 1.0);
    a.beta = ctx.attr_float("beta", 1.0);
    std::vector<ir::ValueId> in{ctx.value(0), ctx.value(1)};
    if (ctx.has_input(2)) {
        ctx.require_f32(2);
        in.push_back(ctx.value(2));
    }
    ctx.emit(ir::OpKind::gemm, std::move(in), a, 0);
}

void import_matmul(Context &ctx) {
    ctx.require_f32(0);
    ctx.require_f32(1);
    const ir::Dims ad = ctx.dims(0), bd = ctx.dims(1);
    if (ad.empty() || bd.empty())
        ctx.fail("operands must not be scalars");
    if (bd.size() > 2)
        ctx.fail("the right operand is batched ({}); cnnc supports MatMul by a matrix or a "
                 "vector only",
                 ir::to_string(ctx.type(1)));
    const int64_t k = ad.back();
    const int64_t b_rows = bd[0];
    if (k != b_rows)
        ctx.fail("multiplies {} by {}: inner dims {} and {} differ", ir::to_string(ctx.type(0)),
                 ir::to_string(ctx.type(1)), k, b_rows);
    const int64_t n = bd.size() == 2 ? bd[1] : 1;
    ir::ValueId a = ctx.value(0), b = ctx.value(1);
    if (ad.size() != 2) {
        ir::ReshapeAttrs r;
        r.shape = {ctx.type(0).num_elements() / k, k};
        a = ctx.emit_temp(ir::OpKind::reshape, {a}, r, "lhs2d");
    }
    if (bd.size() == 1) {
        ir::ReshapeAttrs r;
        r.shape = {k, 1};
        b = ctx.emit_temp(ir::OpKind::reshape, {b}, r, "rhs2d");
    }
    // numpy: a 1-D left operand loses its row dim, a 1-D right operand its column dim.
    ir::Dims out(ad.begin(), ad.end() - 1);
    if (bd.size() == 2)
        out.push_back(n);
    if (ad.size() == 2 && bd.size() == 2) {
        ctx.emit(ir::OpKind::gemm, {a, b}, ir::GemmAttrs{}, 0);
        return;
    }
    ir::ValueId product = ctx.emit_temp(ir::OpKind::gemm, {a, b}, ir::GemmAttrs{}, "gemm");
    ir::ReshapeAttrs r;
    r.shape = out;
    ctx.emit(ir::OpKind::reshape, {product}, r, 0);
}

} // namespace

void register_gemm_ops(OpTable &table) {
    table["Gemm"] = {{}, nullptr, import_gemm};
    table["MatMul"] = {{}, nullptr, import_matmul};
}

} // namespace cnnc::frontend::onnximport
