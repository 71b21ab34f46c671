// Op kinds, generated from Ops.def, with their text names, arities and attribute structs.
#pragma once

#include "ir/Attributes.h"

#include <optional>
#include <string_view>

namespace cnnc::ir {

enum class OpKind {
#define CNNC_OP(id, name, attrs, min_in, max_in) id,
#include "ir/Ops.def"
#undef CNNC_OP
};

std::string_view op_name(OpKind kind);
std::optional<OpKind> parse_op_kind(std::string_view name);
int min_inputs(OpKind kind);
int max_inputs(OpKind kind); // -1: unbounded
// A default-constructed attribute struct of the type this kind takes.
Attrs default_attrs(OpKind kind);
// Whether `attrs` holds the struct this kind takes.
bool attrs_match_kind(OpKind kind, const Attrs &attrs);

} // namespace cnnc::ir
