// Graph-building shorthands for the pass tests: a conv with seeded weights, a BN with plausible
// statistics, per-channel constants. Every op gets its inferred type on creation, so tests can
// chain calls the way a frontend would.
#pragma once

#include "ir/Graph.h"
#include "ir/ShapeInference.h"
#include "../TestGraphs.h"

#include <doctest/doctest.h>

#include <string>

namespace cnnc::testing {

inline ir::ValueId typed(ir::Graph &g, ir::ValueId v) {
    const auto types = ir::infer_op_types(g, g.op(g.value(v).producer));
    const auto &outs = g.op(g.value(v).producer).outputs;
    for (size_t i = 0; i < outs.size(); ++i) g.value(outs[i]).type = types[i];
    return v;
}

inline ir::ValueId op1(ir::Graph &g, ir::OpKind kind, std::vector<ir::ValueId> in, ir::Attrs a,
                       const std::string &name) {
    return typed(g, g.add(kind, std::move(in), std::move(a), name));
}

struct ConvShape {
    int64_t out, kernel = 1, stride = 1, pad = 0, groups = 1;
    bool bias = false;
};

inline ir::ValueId conv(ir::Graph &g, ir::ValueId x, const std::string &name, ConvShape s) {
    const int64_t c = g.type(x).dims[1];
    ir::Conv2DAttrs a;
    a.kernel = {s.kernel, s.kernel};
    a.stride = {s.stride, s.stride};
    a.pad = {s.pad, s.pad, s.pad, s.pad};
    a.groups = s.groups;
    std::vector<ir::ValueId> in{x, seeded_constant(g, name + ".w", {s.out, c / s.groups, s.kernel, s.kernel})};
    if (s.bias) in.push_back(seeded_constant(g, name + ".b", {s.out}));
    return op1(g, ir::OpKind::conv2d, in, a, name);
}

// Inference BN with scale in [0.5, 1.5], shift in [-1, 1], mean in [-1, 1], var in [0.5, 2].
inline ir::ValueId batch_norm(ir::Graph &g, ir::ValueId x, const std::string &name) {
    const int64_t c = g.type(x).dims[1];
    return op1(g, ir::OpKind::batch_norm,
               {x, seeded_constant(g, name + ".scale", {c}, 0.5, 1.5),
                seeded_constant(g, name + ".bias", {c}), seeded_constant(g, name + ".mean", {c}),
                seeded_constant(g, name + ".var", {c}, 0.5, 2)},
               ir::BatchNormAttrs{}, name);
}

inline ir::ValueId relu(ir::Graph &g, ir::ValueId x, const std::string &name) {
    return op1(g, ir::OpKind::relu, {x}, ir::NoAttrs{}, name);
}

inline ir::ValueId add(ir::Graph &g, ir::ValueId a, ir::ValueId b, const std::string &name) {
    return op1(g, ir::OpKind::add, {a, b}, ir::NoAttrs{}, name);
}

// The op producing `name` in `g` (a REQUIREd lookup).
inline const ir::Op &producer(const ir::Graph &g, const std::string &name) {
    const auto v = g.find_value(name);
    INFO("no value %", name);
    REQUIRE(v.has_value());
    return g.op(g.value(*v).producer);
}

} // namespace cnnc::testing
