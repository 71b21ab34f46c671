#include "ir/Verifier.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Traversal.h"

namespace cnnc::ir {

namespace {

// Structure first (so typing can rely on it): wiring, arities, attribute structs, constants.
void verify_structure(const Graph &g) {
    const auto n_values = static_cast<ValueId>(g.values().size());
    for (size_t id = 0; id < g.ops().size(); ++id) {
        const Op &op = g.ops()[id];
        if (!attrs_match_kind(op.kind, op.attrs))
            user_error("{}: holds attributes of the wrong kind", describe_op(g, op));
        for (ValueId operand : op.inputs)
            if (operand < 0 || operand >= n_values || g.value(operand).producer < 0)
                user_error("{}: uses a value that no op defines", describe_op(g, op));
        const size_t expected_results =
            op.kind == OpKind::split ? op.attr<SplitAttrs>().sizes.size() : 1;
        if (op.outputs.size() != expected_results)
            user_error("{}: has {} results, expected {}", describe_op(g, op), op.outputs.size(),
                       expected_results);
        for (size_t r = 0; r < op.outputs.size(); ++r) {
            const Value &v = g.value(op.outputs[r]);
            internal_assert(v.producer == static_cast<OpId>(id) &&
                                v.result_index == static_cast<int32_t>(r),
                            "%{} does not point back at its defining op", v.name);
        }
        if (op.kind == OpKind::constant) {
            const auto &data = op.attr<ConstantAttrs>().data;
            if (!data) user_error("{}: constant without data", describe_op(g, op));
            if (data->type().dtype != DType::f32)
                user_error("{}: constants of {} are not supported yet (f32 only)",
                           describe_op(g, op), dtype_name(data->type().dtype));
        }
    }
    if (g.outputs().empty()) user_error("graph '{}' has no outputs (a `return` line)", g.name);
    for (ValueId out : g.outputs())
        if (out < 0 || out >= n_values)
            user_error("graph '{}' returns a value that does not exist", g.name);
}

} // namespace

void verify(const Graph &g) {
    verify_structure(g);
    // Throws, naming the ops of any cycle.
    const std::vector<OpId> order = topological_order(g);
    for (OpId id : order) {
        const Op &op = g.op(id);
        const std::vector<TensorType> expected = infer_op_types(g, op);
        for (size_t r = 0; r < op.outputs.size(); ++r) {
            const Value &v = g.value(op.outputs[r]);
            if (!v.type)
                user_error("{}: the type of %{} is not set (run shape inference)",
                           describe_op(g, op), v.name);
            if (*v.type != expected[r])
                user_error("{}: %{} has type {} but its operands make it {}", describe_op(g, op),
                           v.name, to_string(*v.type), to_string(expected[r]));
        }
    }
}

} // namespace cnnc::ir
