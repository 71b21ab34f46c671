#include "ir/OpKind.h"

#include "ir/Error.h"

namespace cnnc::ir {

namespace {
struct OpInfo {
    OpKind kind;
    std::string_view name;
    int min_in, max_in;
    Attrs (*make_attrs)();
};
constexpr OpInfo op_table[] = {
#define CNNC_OP(id, name, attrs, min_in, max_in)                                                   \
    {OpKind::id, name, min_in, max_in, []() -> Attrs { return attrs{}; }},
#include "ir/Ops.def"
#undef CNNC_OP
};

const OpInfo &info(OpKind kind) {
    const auto index = static_cast<size_t>(kind);
    internal_assert(index < std::size(op_table), "op kind {} out of range", index);
    return op_table[index];
}
} // namespace

std::string_view op_name(OpKind kind) { return info(kind).name; }

std::optional<OpKind> parse_op_kind(std::string_view name) {
    for (const auto &op : op_table)
        if (op.name == name) return op.kind;
    return std::nullopt;
}

int min_inputs(OpKind kind) { return info(kind).min_in; }
int max_inputs(OpKind kind) { return info(kind).max_in; }
Attrs default_attrs(OpKind kind) { return info(kind).make_attrs(); }

bool attrs_match_kind(OpKind kind, const Attrs &attrs) {
    return default_attrs(kind).index() == attrs.index();
}

} // namespace cnnc::ir
