#include "ir/GraphRebuilder.h"

#include "ir/Error.h"

namespace cnnc::ir {

GraphRebuilder::GraphRebuilder(const Graph &source)
    : source_(source), mapping_(source.values().size(), -1) {
    target_.name = source.name;
}

ValueId GraphRebuilder::map(ValueId old_value) const {
    const ValueId mapped = mapping_.at(static_cast<size_t>(old_value));
    internal_assert(mapped >= 0, "%{} used before it was rebuilt",
                    source_.value(old_value).name);
    return mapped;
}

std::vector<ValueId> GraphRebuilder::map(const std::vector<ValueId> &old_values) const {
    std::vector<ValueId> result;
    result.reserve(old_values.size());
    for (ValueId v : old_values) result.push_back(map(v));
    return result;
}

void GraphRebuilder::alias(ValueId old_value, ValueId new_value) {
    mapping_.at(static_cast<size_t>(old_value)) = new_value;
}

void GraphRebuilder::copy(const Op &op) {
    std::vector<std::string> names;
    for (ValueId out : op.outputs) names.push_back(source_.value(out).name);
    const std::vector<ValueId> results =
        target_.add_op(op.kind, map(op.inputs), op.attrs, names, op.origin);
    target_.ops().back().plan = op.plan;
    for (size_t i = 0; i < results.size(); ++i) {
        target_.value(results[i]).type = source_.value(op.outputs[i]).type;
        alias(op.outputs[i], results[i]);
    }
}

Graph GraphRebuilder::finish() {
    target_.set_outputs(map(source_.outputs()));
    return std::move(target_);
}

} // namespace cnnc::ir
