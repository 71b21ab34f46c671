/** Removes ops that no graph output depends on (dead branches, unused weights).
 * Expects: a verified graph. Leaves: only live ops, in topological order; outputs unchanged.
 *   %a = relu(%x)            →   %b = sigmoid(%x)
 *   %b = sigmoid(%x)             return %b
 *   return %b
 */
#include "ir/GraphRebuilder.h"
#include "ir/Traversal.h"
#include "passes/Passes.h"

namespace cnnc::passes {

ir::Graph eliminate_dead_code(const ir::Graph &g) {
    const std::vector<bool> live = ir::live_ops(g);
    ir::GraphRebuilder rebuild(g);
    for (ir::OpId id : ir::topological_order(g))
        // Graph inputs stay even when unused: they are the model's interface.
        if (live[static_cast<size_t>(id)] || g.op(id).kind == ir::OpKind::input)
            rebuild.copy(g.op(id));
    return rebuild.finish();
}

} // namespace cnnc::passes
