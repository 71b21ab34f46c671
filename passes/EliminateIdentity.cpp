/** Removes ops that compute nothing at inference time: identity, dropout, and a reshape whose
 * result shape equals its operand's. Their users read the operand directly.
 * Expects: shapes inferred. Leaves: no such op; graph outputs that were such an op's result now
 * name its operand; values unchanged.
 *   %d = dropout(%c) {ratio=0.2}      →   %r = relu(%c)
 *   %r = relu(%d)
 */
#include "ir/GraphRebuilder.h"
#include "ir/Traversal.h"
#include "passes/Passes.h"

namespace cnnc::passes {

namespace {
bool is_no_op(const ir::Graph &g, const ir::Op &op) {
    switch (op.kind) {
    case ir::OpKind::identity:
    case ir::OpKind::dropout: return true;
    case ir::OpKind::reshape: return g.type(op.inputs[0]) == g.type(op.outputs[0]);
    default: return false;
    }
}
} // namespace

ir::Graph eliminate_identity(const ir::Graph &g) {
    ir::GraphRebuilder rebuild(g);
    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        if (is_no_op(g, op))
            rebuild.alias(op.outputs[0], rebuild.map(op.inputs[0]));
        else
            rebuild.copy(op);
    }
    return rebuild.finish();
}

} // namespace cnnc::passes
