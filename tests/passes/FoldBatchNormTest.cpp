// fold-bn: BN folded into conv (with and without bias, grouped, depthwise) and gemm; not folded
// when the producer's result has another reader; a BN with no foldable producer becomes a
// per-channel mul + add. Numeric tolerance: 1e-4 relative (weights are rescaled in double and
// rounded once, so the observed error is ~1e-6).
#include "passes/Passes.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;
using testing::ConvShape;

namespace {
constexpr double kTolerance = 1e-4;

Graph conv_bn(ConvShape shape, int64_t channels = 4) {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, channels, 6, 6}});
    const ValueId c = testing::conv(g, x, "c", shape);
    const ValueId bn = testing::batch_norm(g, c, "bn");
    g.set_outputs({testing::relu(g, bn, "r")});
    return g;
}

void check_folded(const Graph &g) {
    const Graph out = passes::fold_batch_norm(g);
    CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
    CHECK(testing::count_ops(out, OpKind::mul) == 0);
    const Op &conv = testing::producer(out, "bn");
    CHECK(conv.kind == OpKind::conv2d);
    REQUIRE(conv.inputs.size() == 3); // the folded shift is the bias
    CHECK(out.value(conv.inputs[0]).name == "x");
    CHECK(attrs_equal(conv.attrs, testing::producer(g, "c").attrs)); // geometry unchanged
    CHECK_FALSE(out.find_value("c").has_value());
    testing::check_same_outputs(g, out, kTolerance);
}
} // namespace

TEST_CASE("fold-bn folds into a conv without bias") { check_folded(conv_bn({8, 3, 1, 1})); }

TEST_CASE("fold-bn folds into a conv with a bias") {
    check_folded(conv_bn({8, 3, 2, 1, 1, true}));
}

TEST_CASE("fold-bn folds into grouped and depthwise convs") {
    check_folded(conv_bn({8, 3, 1, 1, 2})); // 4 -> 8 channels in 2 groups
    check_folded(conv_bn({4, 3, 1, 1, 4})); // depthwise
    check_folded(conv_bn({8, 3, 1, 1, 4, true})); // depthwise, multiplier 2
}

TEST_CASE("fold-bn folds into gemm, with and without C, transposed B") {
    for (int variant = 0; variant < 4; ++variant) {
        Graph g;
        const ValueId x = g.add_input("x", {DType::f32, {3, 5}});
        GemmAttrs a;
        a.trans_b = variant % 2 == 1;
        a.beta = 0.5;
        std::vector<ValueId> in{x, testing::seeded_constant(g, "w", a.trans_b ? Dims{6, 5} : Dims{5, 6})};
        if (variant == 2) in.push_back(testing::seeded_constant(g, "c", {6}));
        if (variant == 3) in.push_back(testing::seeded_constant(g, "c", {3, 6}));
        const ValueId y = testing::op1(g, OpKind::gemm, in, a, "y");
        g.set_outputs({testing::batch_norm(g, y, "bn")});
        const Graph out = passes::fold_batch_norm(g);
        INFO("variant ", variant);
        CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
        const Op &gemm = testing::producer(out, "bn");
        CHECK(gemm.kind == OpKind::gemm);
        CHECK(gemm.attr<GemmAttrs>().beta == 1);
        CHECK(out.type(gemm.inputs[2]).dims == (variant == 3 ? Dims{3, 6} : Dims{6}));
        testing::check_same_outputs(g, out, kTolerance);
    }
}

TEST_CASE("fold-bn does not fold when the conv result has a second reader") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 6, 6}});
    const ValueId c = testing::conv(g, x, "c", {4, 3, 1, 1});
    const ValueId bn = testing::batch_norm(g, c, "bn");
    g.set_outputs({testing::add(g, bn, c, "sum")});
    const Graph out = passes::fold_batch_norm(g);
    // The conv stays as it was; the BN becomes a scale-shift reading it.
    CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
    CHECK(testing::producer(out, "c").inputs.size() == 2);
    const Op &shift = testing::producer(out, "bn");
    REQUIRE(shift.kind == OpKind::scale_shift);
    CHECK(out.value(shift.inputs[0]).name == "c");
    CHECK(out.type(shift.inputs[1]).dims == Dims{4});
    CHECK(out.type(shift.inputs[2]).dims == Dims{4});
    CHECK(shift.attr<ScaleShiftAttrs>().activation == "none");
    CHECK(testing::count_ops(out, OpKind::mul) == 0);
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fold-bn does not fold when the conv result is a graph output") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 6, 6}});
    const ValueId c = testing::conv(g, x, "c", {4, 1});
    g.set_outputs({c, testing::batch_norm(g, c, "bn")});
    const Graph out = passes::fold_batch_norm(g);
    CHECK(testing::producer(out, "c").kind == OpKind::conv2d);
    CHECK(testing::producer(out, "bn").kind == OpKind::scale_shift);
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fold-bn turns a BN after a non-conv op into a scale-shift, also on rank 2") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 3, 4, 4}});
    const ValueId v = g.add_input("v", {DType::f32, {2, 5}});
    const ValueId p = testing::op1(g, OpKind::max_pool, {x}, PoolAttrs{{2, 2}, {2, 2}}, "p");
    g.set_outputs({testing::batch_norm(g, p, "bn"), testing::batch_norm(g, v, "bn2")});
    const Graph out = passes::fold_batch_norm(g);
    CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
    CHECK(testing::count_ops(out, OpKind::scale_shift) == 2);
    CHECK(out.type(testing::producer(out, "bn2").inputs[1]).dims == Dims{5});
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fold-bn does not fold into a conv whose epilogue has an activation") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 6, 6}});
    const ValueId w = testing::seeded_constant(g, "w", {4, 4, 1, 1});
    Conv2DAttrs a;
    a.activation = "relu";
    const ValueId c = testing::op1(g, OpKind::conv2d, {x, w}, a, "c");
    g.set_outputs({testing::batch_norm(g, c, "bn")});
    const Graph out = passes::fold_batch_norm(g);
    CHECK(testing::producer(out, "c").attr<Conv2DAttrs>().activation == "relu");
    CHECK(testing::producer(out, "bn").kind == OpKind::scale_shift);
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fold-bn leaves a BN with non-constant statistics alone") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 3, 3}});
    const ValueId s = g.add_input("s", {DType::f32, {2}});
    const ValueId c = testing::conv(g, x, "c", {2, 1});
    g.set_outputs({testing::op1(g, OpKind::batch_norm,
                                {c, s, testing::seeded_constant(g, "b", {2}),
                                 testing::seeded_constant(g, "m", {2}),
                                 testing::seeded_constant(g, "v", {2}, 0.5, 1)},
                                BatchNormAttrs{}, "bn")});
    const Graph out = passes::fold_batch_norm(g);
    std::string why;
    CHECK(structurally_equal(g, out, &why));
    INFO(why);
}
