// The gemm kernel (ONNX Gemm: y = act(alpha * op(a) op(b) + beta * c + residual)). The inner loop
// loads contiguous vectors of B and broadcasts one element of A: output columns are vectorised in
// register tiles of channel_vectors vectors, the K reduction runs innermost, and column blocks run
// in parallel. At batch 1 (the classifier of a CNN) this is a matrix-vector product bound by
// reading B once, so how B lies in memory decides its speed:
//  - CPU, constant trans_b B (every Linear layer): packed per block of columns (blocked_matrix,
//    see plan_gemm), each block one sequential stream over K. The product is formed per block,
//    acc(lane, block, row), as the blocked conv does; a partial last block is guarded.
//  - otherwise B is [K, N] (a trans_b folded into the packing: transposed_matrix, the GPU's) or
//    read through its layout, and acc(col, row) reads it by column.
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
    const int columns = static_cast<int>(g.type(op.outputs[0]).dims[1]);
    const LogicalInput lhs = logical_input(build.params[0], at);
    const KernelOperand &b_operand = plan.inputs[1];
    const bool blocked = b_operand.packing == Packing::blocked_matrix;
    const bool transposed = b_operand.packing == Packing::transposed_matrix;
    const int lanes = blocked ? static_cast<int>(b_operand.shape.extents[0]) : 0;

    Var col("col"), row("row"), lane("lane"), blk("blk");
    RDom r(0, k_total, "k");
    Func acc("gemm_acc"), out("gemm_out");
    Expr a_elem = a.trans_a ? lhs.at({r, row}) : lhs.at({row, r});
    Expr v;
    if (blocked) {
        acc(lane, blk, row) = 0.0f;
        acc(lane, blk, row) += build.params[1](lane, r, blk) * a_elem;
        v = acc(col % lanes, col / lanes, row);
    } else {
        // B as [K, N] logical: packed as [K, N], or read through its layout.
        const ir::TensorType packed{ir::DType::f32, {b_operand.shape.extents[1], b_operand.shape.extents[0]}};
        const LogicalInput rhs = logical_input(build.params[1], transposed ? packed : g.type(op.inputs[1]));
        Expr b_elem = a.trans_b && !transposed ? rhs.at({col, r}) : rhs.at({r, col});
        acc(col, row) = 0.0f;
        acc(col, row) += a_elem * b_elem;
        v = acc(col, row);
    }
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
    const int vec = s.vector_width, block = blocked ? lanes : vec * s.channel_vectors;
    Var co("co"), ci("ci");
    // A partial last block of packed columns is guarded (its zero columns are never stored); the
    // column-block loop stays its own loop, so Halide partitions off the last block and the full
    // blocks keep their accumulators in registers (see BlockedConvKernels.cpp on ragged blocks).
    const TailStrategy tail = blocked && columns % block != 0 ? TailStrategy::GuardWithIf : TailStrategy::Auto;
    out.split(col, co, ci, block, tail).reorder(ci, row, co);
    if (vec > 1) out.vectorize(ci, vec);
    out.unroll(ci);
    if (s.parallel) out.parallel(co);
    acc.compute_at(out, row);
    const Var acc_col = blocked ? lane : col;
    if (vec > 1) acc.vectorize(acc_col, vec);
    acc.unroll(acc_col);
    if (blocked)
        acc.update().reorder(lane, r, blk, row);
    else
        acc.update().reorder(col, r);
    if (vec > 1) acc.update().vectorize(acc_col, vec);
    acc.update().unroll(acc_col);
    if (k_total % 4 == 0) acc.update().unroll(r.x, 4);
}

} // namespace cnnc::codegen
