// fold-constants: ops reading only constants become constants with the values the interpreter
// computes; chains fold completely; anything touching a graph input stays. Values are
// bit-identical (tolerance 0).
#include "passes/Passes.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;

TEST_CASE("fold-constants folds a chain of constant ops and keeps names") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 3}});
    const ValueId w = testing::seeded_constant(g, "w", {3, 2});
    const ValueId wt = testing::op1(g, OpKind::transpose, {w}, TransposeAttrs{{1, 0}}, "wt");
    const ValueId half = g.add_constant(
        "half", ConstantData::from_values({DType::f32, {}}, {0.5f}));
    const ValueId scaled = testing::op1(g, OpKind::mul, {wt, half}, NoAttrs{}, "scaled");
    GemmAttrs a;
    a.trans_b = true;
    g.set_outputs({testing::op1(g, OpKind::gemm, {x, scaled}, a, "y")});
    const Graph out = passes::fold_constants(g);
    CHECK(testing::count_ops(out, OpKind::transpose) == 0);
    CHECK(testing::count_ops(out, OpKind::mul) == 0);
    const Op &c = testing::producer(out, "scaled");
    REQUIRE(c.kind == OpKind::constant);
    // scaled[i][j] = 0.5 * w[j][i]
    const auto &wv = g.constant_data(w)->values();
    const auto &sv = c.attr<ConstantAttrs>().data->values();
    CHECK(sv[1] == 0.5f * wv[2]); // (0, 1) <- w(1, 0)
    CHECK(sv[3] == 0.5f * wv[1]); // (1, 0) <- w(0, 1)
    CHECK(out.type(*out.find_value("scaled")) == TensorType{DType::f32, {2, 3}});
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("fold-constants folds multi-result ops and leaves ops on inputs alone") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {4}});
    const ValueId k = testing::seeded_constant(g, "k", {4});
    const auto parts = g.add_op(OpKind::split, {k}, SplitAttrs{0, {1, 3}}, {"k0", "k1"});
    testing::typed(g, parts[0]);
    const ValueId n = testing::op1(g, OpKind::neg, {x}, NoAttrs{}, "n");
    const ValueId s = testing::op1(g, OpKind::add, {n, parts[0]}, NoAttrs{}, "s");
    g.set_outputs({s, parts[1]});
    const Graph out = passes::fold_constants(g);
    CHECK(testing::count_ops(out, OpKind::split) == 0);
    CHECK(testing::producer(out, "k0").kind == OpKind::constant);
    CHECK(testing::producer(out, "k1").kind == OpKind::constant);
    CHECK(testing::producer(out, "n").kind == OpKind::neg);
    CHECK(testing::producer(out, "s").kind == OpKind::add);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("fold-constants leaves a graph without constant ops unchanged") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    g.set_outputs({testing::conv_relu(g, x, 3, "c")});
    std::string why;
    CHECK(structurally_equal(g, passes::fold_constants(g), &why));
    INFO(why);
}
