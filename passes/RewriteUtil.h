// Small queries and builders the rewriting passes share: who reads a value, fresh names that
// clash with neither the old nor the new graph, and constants computed at compile time. Kept
// header-only and tiny; anything pass-specific stays in that pass's anonymous namespace.
#pragma once

#include "ir/Constant.h"
#include "ir/GraphRebuilder.h"
#include "ir/Traversal.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::passes {

// Reader counts per value, with each graph output counted as one more reader: a value with
// exactly one reader here is read by one op and by nothing outside the graph, so the op that
// reads it may absorb the op that makes it.
inline std::vector<int> reader_counts(const ir::Graph &g) {
    std::vector<int> readers(g.values().size(), 0);
    for (const auto &op : g.ops())
        for (ir::ValueId v : op.inputs) ++readers[static_cast<size_t>(v)];
    for (ir::ValueId v : g.outputs()) ++readers[static_cast<size_t>(v)];
    return readers;
}

// The one op reading `v`, if `v` has exactly one reader (see reader_counts) and it is an op.
inline ir::OpId sole_reader(const std::vector<std::vector<ir::OpId>> &users,
                            const std::vector<int> &readers, ir::ValueId v) {
    const auto i = static_cast<size_t>(v);
    if (readers[i] != 1 || users[i].size() != 1) return -1;
    return users[i][0];
}

// A value name used by neither the graph being rebuilt nor the one being built, so a later copy
// of an old op can never collide with it.
inline std::string fresh_name(ir::GraphRebuilder &rebuild, std::string_view base) {
    std::string candidate(base);
    for (int i = 1; rebuild.source().find_value(candidate) || rebuild.target().find_value(candidate);
         ++i)
        candidate = std::string(base) + "." + std::to_string(i);
    return candidate;
}

// Adds a constant holding `values` to the graph being built, named after `base`.
inline ir::ValueId add_values(ir::GraphRebuilder &rebuild, std::string_view base, ir::Dims dims,
                              std::vector<float> values, const std::string &origin = {}) {
    auto data = ir::ConstantData::from_values({ir::DType::f32, std::move(dims)}, std::move(values));
    return rebuild.target().add_constant(fresh_name(rebuild, base), std::move(data), origin);
}

// Whether every dim but the one at `axis` (counted from the left) is 1: a per-channel operand.
inline bool ones_except(const ir::Dims &dims, size_t axis) {
    for (size_t i = 0; i < dims.size(); ++i)
        if (i != axis && dims[i] != 1) return false;
    return true;
}

} // namespace cnnc::passes
