// The gemm kernel (ONNX Gemm: y = act(alpha * op(a) op(b) + beta * c + residual)). Constant B
// operands are packed at compile time as [K, N] with N innermost (a trans_b is folded into the
// packing), so the inner loop loads contiguous vectors of B and broadcasts one element of A:
// output columns are vectorised in register tiles of channel_vectors vectors, the K reduction
// runs innermost, and column blocks run in parallel. At batch 1 (the classifier of a CNN) this is
// a matrix-vector product bound by reading B once.
#include "codegen/GpuSchedules.h"
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"

namespace cnnc::codegen {

using namespace Halide;

void build_gemm(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const auto &a = op.attr<ir::GemmAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    const ir::TensorType &at = g.type(op.inputs[0]);
    const int k_total = static_cast<int>(a.trans_a ? at.dims[0] : at.dims[1]);
    const LogicalInput lhs = logical_input(build.params[0], at);
    // B as [K, N] logical: packed (already [K, N]) or read through its layout.
    const bool packed = plan.inputs[1].packing == Packing::transposed_matrix;
    const LogicalInput rhs = logical_input(build.params[1], packed ? ir::TensorType{ir::DType::f32, {plan.inputs[1].shape.extents[1], plan.inputs[1].shape.extents[0]}} : g.type(op.inputs[1]));
    const bool trans_b = a.trans_b && !packed;

    Var col("col"), row("row");
    RDom r(0, k_total, "k");
    Func acc("gemm_acc"), out("gemm_out");
    Expr a_elem = a.trans_a ? lhs.at({r, row}) : lhs.at({row, r});
    Expr b_elem = trans_b ? rhs.at({col, r}) : rhs.at({r, col});
    acc(col, row) = 0.0f;
    acc(col, row) += a_elem * b_elem;
    Expr v = acc(col, row);
    if (a.alpha != 1) v = static_cast<float>(a.alpha) * v;
    size_t next = 2;
    if (e.bias) {
        const LogicalInput bias = logical_input(build.params[next++], g.type(*e.bias));
        Expr b = bias.broadcast_at({row, col});
        v += a.beta == 1 ? b : static_cast<float>(a.beta) * b;
    }
    if (e.residual) v += logical_input(build.params[next++], g.type(*e.residual)).at({row, col});
    out(col, row) = activate(v, e);

    const Schedule &s = plan.schedule;
    build.output = out;
    build.vars = {col, row};
    if (s.gpu.active()) return schedule_gpu_gemm(out, acc, col, row, r, plan.output.shape, s.gpu);
    const int vec = s.vector_width, block = vec * s.channel_vectors;
    Var co("co"), ci("ci");
    out.split(col, co, ci, block).reorder(ci, row, co);
    if (vec > 1) out.vectorize(ci, vec);
    out.unroll(ci);
    if (s.parallel) out.parallel(co);
    acc.compute_at(out, row);
    if (vec > 1) acc.vectorize(col, vec);
    acc.unroll(col);
    acc.update().reorder(col, r);
    if (vec > 1) acc.update().vectorize(col, vec);
    acc.update().unroll(col);
    if (k_total % 4 == 0) acc.update().unroll(r.x, 4);
    build.output = out;
    build.vars = {col, row};
}

} // namespace cnnc::codegen
