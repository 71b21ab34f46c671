// The verifier: each invariant it states, broken once, with the message it must give.
#include "ir/Error.h"
#include "ir/Traversal.h"
#include "ir/Verifier.h"
#include "../TestGraphs.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace cnnc;
using namespace cnnc::ir;

namespace {
std::string verify_error(const Graph &g) {
    try {
        verify(g);
    } catch (const CompileError &e) {
        return e.what();
    }
    return "(verified)";
}
TensorType f32(Dims dims) { return {DType::f32, std::move(dims)}; }
} // namespace

TEST_CASE("a well-formed graph verifies") {
    Graph g;
    const ValueId x = g.add_input("x", f32({1, 3, 8, 8}));
    g.set_outputs({testing::conv_relu(g, x, 4, "c1")});
    CHECK(verify_error(g) == "(verified)");
}

TEST_CASE("a cycle is reported with the ops on it") {
    // %a = relu(%b); %b = relu(%a): each uses the other.
    Graph g;
    const ValueId x = g.add_input("x", f32({4}));
    const ValueId a = g.add(OpKind::relu, {x}, NoAttrs{}, "a", "net.cnn:2:1");
    const ValueId b = g.add(OpKind::relu, {a}, NoAttrs{}, "b", "net.cnn:3:1");
    g.op(g.value(a).producer).inputs = {b};
    g.set_outputs({b});
    const std::string message = verify_error(g);
    CHECK(message.find("has a cycle through") != std::string::npos);
    CHECK(message.find("%a (net.cnn:2:1)") != std::string::npos);
    CHECK(message.find("%b (net.cnn:3:1)") != std::string::npos);
}

TEST_CASE("untyped values, wrong types and missing outputs are rejected") {
    Graph g;
    const ValueId x = g.add_input("x", f32({2, 2}));
    const ValueId y = g.add(OpKind::sigmoid, {x}, NoAttrs{}, "y");
    CHECK(verify_error(g) == "graph 'main' has no outputs (a `return` line)");
    g.set_outputs({y});
    CHECK(verify_error(g) == "%y = sigmoid: the type of %y is not set (run shape inference)");
    g.value(y).type = f32({2, 3});
    CHECK(verify_error(g) == "%y = sigmoid: %y has type f32[2,3] but its operands make it f32[2,2]");
}

TEST_CASE("operand counts, attribute structs and split result counts are checked") {
    Graph g;
    const ValueId x = g.add_input("x", f32({1, 4, 2, 2}));
    const auto parts = g.add_op(OpKind::split, {x}, SplitAttrs{1, {1, 3}}, {"a", "b"});
    g.set_outputs(parts);
    g.op(g.value(parts[0]).producer).attr<SplitAttrs>().sizes = {1, 1, 2};
    CHECK(verify_error(g) == "%a, %b = split: has 2 results, expected 3");
    g.op(g.value(parts[0]).producer).attrs = ConcatAttrs{};
    CHECK(verify_error(g) == "%a, %b = split: holds attributes of the wrong kind");
}

TEST_CASE("topological order puts producers first and live_ops finds dead code") {
    Graph g;
    const ValueId x = g.add_input("x", f32({4}));
    // Created out of order: %b's line comes before %a's.
    const ValueId b = g.add(OpKind::relu, {x}, NoAttrs{}, "b");
    const ValueId a = g.add(OpKind::neg, {x}, NoAttrs{}, "a");
    g.op(g.value(b).producer).inputs = {a};
    const ValueId dead = g.add(OpKind::sigmoid, {x}, NoAttrs{}, "dead");
    g.set_outputs({b});
    const auto order = topological_order(g);
    auto position = [&](ValueId v) {
        return std::find(order.begin(), order.end(), g.value(v).producer) - order.begin();
    };
    CHECK(position(a) < position(b));
    CHECK(position(x) < position(a));
    const auto live = live_ops(g);
    CHECK(live[static_cast<size_t>(g.value(b).producer)]);
    CHECK(live[static_cast<size_t>(g.value(a).producer)]);
    CHECK_FALSE(live[static_cast<size_t>(g.value(dead).producer)]);
}
