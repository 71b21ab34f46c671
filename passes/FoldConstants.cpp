/** fold-constants: evaluates at compile time every op whose operands are all constants —
 * PyTorch-exported shape arithmetic, weight transposes and reshapes, a scale applied to a weight
 * — and replaces its results by constants holding the values. Uses the reference interpreter's
 * own kernels (reference::evaluate_op), so a folded value is exactly what the graph computed.
 * Folding proceeds in topological order, so chains of constant ops fold completely.
 * Expects: shapes inferred. Leaves: no op (other than `constant`) with only constant operands
 * whose results are f32; each folded result keeps its name; results of at most 16 elements
 * print inline (`value=[...]`), bigger ones carry their values (sidecar .npy when written to a
 * file). Values are bit-identical. Ops on other dtypes are left for the runtime (the reference
 * computes f32 only). Reports: "N folded".
 *   %w = constant() {value=[1, 2, 3, 4]} : f32[2,2]      →   %wt = constant() {value=[1, 3, 2, 4]}
 *   %wt = transpose(%w) {perm=[1,0]}                               : f32[2,2]
 *   %y = gemm(%x, %wt)                                     %y = gemm(%x, %wt)
 * (the now unused %w is left for dce).
 */
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"
#include "reference/Interpreter.h"

namespace cnnc::passes {

namespace {

using ir::OpKind;

// Whether the op (as rebuilt into `rebuild`'s target) reads only constants and yields f32.
bool foldable(ir::GraphRebuilder &rebuild, const ir::Op &op) {
    if (op.kind == OpKind::input || op.kind == OpKind::constant || op.inputs.empty()) return false;
    const ir::Graph &g = rebuild.source();
    for (ir::ValueId out : op.outputs)
        if (g.type(out).dtype != ir::DType::f32) return false;
    for (ir::ValueId in : op.inputs) {
        const ir::ConstantData *data = rebuild.target().constant_data(rebuild.map(in));
        if (!data || data->type().dtype != ir::DType::f32) return false;
    }
    return true;
}

} // namespace

ir::Graph fold_constants(const ir::Graph &g) {
    ir::GraphRebuilder rebuild(g);
    int folded = 0;
    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        if (!foldable(rebuild, op)) {
            rebuild.copy(op);
            continue;
        }
        std::vector<ir::Tensor> operands;
        operands.reserve(op.inputs.size());
        for (ir::ValueId in : op.inputs) {
            const ir::ConstantData &data = *rebuild.target().constant_data(rebuild.map(in));
            operands.emplace_back(data.type(), data.values());
        }
        std::vector<const ir::Tensor *> pointers;
        for (const auto &t : operands) pointers.push_back(&t);
        std::vector<ir::Tensor> results = reference::evaluate_op(g, op, pointers);
        internal_assert(results.size() == op.outputs.size(), "fold-constants: {} results for {}",
                        results.size(), op.outputs.size());
        for (size_t r = 0; r < results.size(); ++r) {
            auto data = ir::ConstantData::from_values(results[r].type, std::move(results[r].data));
            const ir::ValueId c =
                rebuild.target().add_constant(g.value(op.outputs[r]).name, std::move(data), op.origin);
            rebuild.alias(op.outputs[r], c);
        }
        ++folded;
    }
    if (folded) report("folded", folded);
    return rebuild.finish();
}

} // namespace cnnc::passes
