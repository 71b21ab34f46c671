#include "ir/Graph.h"

#include "ir/Error.h"

#include <fmt/format.h>

namespace cnnc::ir {

ValueId Graph::new_value(const std::string &value_name, OpId producer, int32_t result_index) {
    internal_assert(!value_name.empty(), "values need a name");
    internal_assert(!by_name_.count(value_name), "value name %{} defined twice", value_name);
    const auto id = static_cast<ValueId>(values_.size());
    values_.push_back(Value{value_name, std::nullopt, producer, result_index});
    by_name_.emplace(value_name, id);
    return id;
}

ValueId Graph::add_input(const std::string &value_name, TensorType type, std::string origin) {
    const ValueId id = add(OpKind::input, {}, NoAttrs{}, value_name, std::move(origin));
    values_[id].type = std::move(type);
    return id;
}

ValueId Graph::add_constant(const std::string &value_name, std::shared_ptr<const ConstantData> data,
                            std::string origin) {
    internal_assert(data != nullptr, "constant %{} without data", value_name);
    TensorType type = data->type();
    const ValueId id = add(OpKind::constant, {}, ConstantAttrs{std::move(data)}, value_name,
                           std::move(origin));
    values_[id].type = std::move(type);
    return id;
}

std::vector<ValueId> Graph::add_op(OpKind kind, std::vector<ValueId> inputs, Attrs attrs,
                                   const std::vector<std::string> &result_names,
                                   std::string origin) {
    internal_assert(attrs_match_kind(kind, attrs), "{} given the wrong attribute struct",
                    op_name(kind));
    const auto op_id = static_cast<OpId>(ops_.size());
    Op op{kind, std::move(attrs), std::move(inputs), {}, std::move(origin), {}};
    for (size_t i = 0; i < result_names.size(); ++i)
        op.outputs.push_back(new_value(result_names[i], op_id, static_cast<int32_t>(i)));
    ops_.push_back(std::move(op));
    return ops_.back().outputs;
}

ValueId Graph::add(OpKind kind, std::vector<ValueId> inputs, Attrs attrs,
                   const std::string &result_name, std::string origin) {
    return add_op(kind, std::move(inputs), std::move(attrs), {result_name}, std::move(origin))[0];
}

std::string Graph::unique_name(std::string_view base) const {
    std::string candidate(base);
    for (int i = 1; by_name_.count(candidate); ++i) candidate = fmt::format("{}.{}", base, i);
    return candidate;
}

std::vector<ValueId> Graph::inputs() const {
    std::vector<ValueId> result;
    for (const auto &op : ops_)
        if (op.kind == OpKind::input) result.push_back(op.outputs[0]);
    return result;
}

std::optional<ValueId> Graph::find_value(std::string_view value_name) const {
    auto it = by_name_.find(std::string(value_name));
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
}

const TensorType &Graph::type(ValueId id) const {
    const auto &v = value(id);
    internal_assert(v.type.has_value(), "type of %{} used before shape inference", v.name);
    return *v.type;
}

const ConstantData *Graph::constant_data(ValueId id) const {
    const auto &v = value(id);
    if (v.producer < 0) return nullptr;
    const auto &producer = op(v.producer);
    if (producer.kind != OpKind::constant) return nullptr;
    return producer.attr<ConstantAttrs>().data.get();
}

bool structurally_equal(const Graph &a, const Graph &b, std::string *why) {
    auto fail = [&](std::string message) {
        if (why) *why = std::move(message);
        return false;
    };
    if (a.name != b.name) return fail(fmt::format("graph names differ: {} vs {}", a.name, b.name));
    if (a.ops().size() != b.ops().size())
        return fail(fmt::format("op counts differ: {} vs {}", a.ops().size(), b.ops().size()));
    auto names = [](const Graph &g, const std::vector<ValueId> &ids) {
        std::vector<std::string> result;
        for (ValueId id : ids) result.push_back(g.value(id).name);
        return result;
    };
    for (size_t i = 0; i < a.ops().size(); ++i) {
        const Op &x = a.ops()[i], &y = b.ops()[i];
        const std::string where = fmt::format("op {} ({})", i, op_name(x.kind));
        if (x.kind != y.kind) return fail(fmt::format("{}: kind differs from {}", where, op_name(y.kind)));
        if (names(a, x.inputs) != names(b, y.inputs)) return fail(where + ": operands differ");
        if (names(a, x.outputs) != names(b, y.outputs)) return fail(where + ": results differ");
        if (!attrs_equal(x.attrs, y.attrs)) return fail(where + ": attributes differ");
        if (!(x.plan == y.plan)) return fail(where + ": plans differ");
        for (size_t r = 0; r < x.outputs.size(); ++r)
            if (a.value(x.outputs[r]).type != b.value(y.outputs[r]).type)
                return fail(fmt::format("{}: type of %{} differs", where, a.value(x.outputs[r]).name));
    }
    if (names(a, a.outputs()) != names(b, b.outputs())) return fail("graph outputs differ");
    return true;
}

} // namespace cnnc::ir
