// fuse-epilogue: bias adds, a residual add and an activation move into the conv2d/gemm output
// stage when the intermediate has no other reader; never across an activation, never when the
// conv result is read elsewhere. Numeric tolerance 1e-5 relative (residual and activation are
// bit-identical; a fused bias is added before rounding instead of after).
#include "passes/Passes.h"
#include "ir/Epilogue.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;
using testing::ConvShape;

namespace {
constexpr double kTolerance = 1e-5;

ValueId channel_constant(Graph &g, const std::string &name, int64_t c) {
    return testing::seeded_constant(g, name, {1, c, 1, 1});
}
} // namespace

TEST_CASE("fuse-epilogue: ResNet's conv, bias add, residual add, relu become one conv") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 5, 5}});
    const ValueId c = testing::conv(g, x, "c", {4, 3, 1, 1});
    const ValueId b = testing::add(g, c, channel_constant(g, "bias", 4), "b");
    const ValueId s = testing::add(g, b, x, "s"); // x is also read by the conv: may be shared
    g.set_outputs({testing::relu(g, s, "r")});
    const Graph out = passes::fuse_epilogue(g);
    CHECK(out.ops().size() == 5); // x, w, merged bias, fused conv ... and the original bias const
    CHECK(testing::count_ops(out, OpKind::add) == 0);
    CHECK(testing::count_ops(out, OpKind::relu) == 0);
    const Op &fused = testing::producer(out, "r");
    REQUIRE(fused.kind == OpKind::conv2d);
    const Epilogue e = epilogue_of(fused);
    CHECK(e.activation == "relu");
    REQUIRE(e.residual.has_value());
    CHECK(out.value(*e.residual).name == "x");
    REQUIRE(e.bias.has_value());
    CHECK(out.type(*e.bias).dims == Dims{4});
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fuse-epilogue sums a bias add into an existing bias") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 3, 4, 4}});
    const ValueId c = testing::conv(g, x, "c", {5, 1, 1, 0, 1, true});
    const ValueId b1 = testing::add(g, testing::seeded_constant(g, "k1", {5, 1, 1}), c, "b1");
    const ValueId b2 = testing::add(g, b1, testing::seeded_constant(g, "k2", {1}), "b2");
    g.set_outputs({b2});
    const Graph out = passes::fuse_epilogue(g);
    CHECK(testing::count_ops(out, OpKind::add) == 0);
    CHECK(epilogue_of(testing::producer(out, "b2")).bias.has_value());
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fuse-epilogue takes relu6 as clip, leaky_relu and sigmoid") {
    for (int act = 0; act < 3; ++act) {
        Graph g;
        const ValueId x = g.add_input("x", {DType::f32, {1, 3, 4, 4}});
        const ValueId c = testing::conv(g, x, "c", {6, 3, 1, 1, 3}); // grouped conv
        ValueId y;
        if (act == 0) y = testing::op1(g, OpKind::clip, {c}, ClipAttrs{0, 6}, "y");
        if (act == 1) y = testing::op1(g, OpKind::leaky_relu, {c}, LeakyReluAttrs{0.2}, "y");
        if (act == 2) y = testing::op1(g, OpKind::sigmoid, {c}, NoAttrs{}, "y");
        g.set_outputs({y});
        const Graph out = passes::fuse_epilogue(g);
        const auto &a = testing::producer(out, "y").attr<Conv2DAttrs>();
        CHECK(a.activation == std::vector<std::string>{"clip", "leaky_relu", "sigmoid"}[act]);
        if (act == 0) CHECK(a.clip_max == 6);
        if (act == 1) CHECK(a.alpha == 0.2);
        CHECK(out.ops().size() == 3);
        testing::check_same_outputs(g, out, kTolerance);
    }
}

TEST_CASE("fuse-epilogue: gemm + bias + relu, alpha and beta kept apart") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 5}});
    GemmAttrs a;
    a.alpha = 0.5, a.beta = 2;
    const ValueId y = testing::op1(g, OpKind::gemm,
                                   {x, testing::seeded_constant(g, "w", {5, 3}),
                                    testing::seeded_constant(g, "c", {3})},
                                   a, "y");
    const ValueId b = testing::add(g, y, testing::seeded_constant(g, "k", {1, 3}), "b");
    g.set_outputs({testing::relu(g, b, "r")});
    const Graph out = passes::fuse_epilogue(g);
    const Op &fused = testing::producer(out, "r");
    REQUIRE(fused.kind == OpKind::gemm);
    CHECK(fused.attr<GemmAttrs>().activation == "relu");
    CHECK(fused.attr<GemmAttrs>().beta == 1);
    CHECK(fused.attr<GemmAttrs>().alpha == 0.5);
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fuse-epilogue does not fuse when the conv result has another reader") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId c = testing::conv(g, x, "c", {2, 1});
    const ValueId r = testing::relu(g, c, "r");
    const ValueId p = testing::op1(g, OpKind::max_pool, {c}, PoolAttrs{}, "p");
    g.set_outputs({r, p});
    const Graph out = passes::fuse_epilogue(g);
    std::string why;
    CHECK(structurally_equal(g, out, &why));
    INFO(why);
}

TEST_CASE("fuse-epilogue does not fuse an add after the activation, nor past a graph output") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId c = testing::conv(g, x, "c", {2, 1});
    const ValueId r = testing::relu(g, c, "r");
    const ValueId s = testing::add(g, r, x, "s");
    const ValueId c2 = testing::conv(g, s, "c2", {2, 1});
    const ValueId r2 = testing::relu(g, c2, "r2");
    g.set_outputs({c2, r2});
    const Graph out = passes::fuse_epilogue(g);
    CHECK(testing::producer(out, "r").kind == OpKind::conv2d); // relu fused
    CHECK(testing::producer(out, "s").kind == OpKind::add);    // ...but the add after it not
    CHECK(testing::producer(out, "r2").kind == OpKind::relu);  // c2 is a graph output
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fuse-epilogue: of two convs meeting at an add, the earlier absorbs it") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId a = testing::conv(g, x, "a", {3, 1});
    const ValueId b = testing::conv(g, x, "b", {3, 3, 1, 1});
    g.set_outputs({testing::relu(g, testing::add(g, b, a, "s"), "r")});
    const Graph out = passes::fuse_epilogue(g);
    const Op &fused = testing::producer(out, "r");
    CHECK(out.value(fused.inputs[1]).name == "a.w");
    CHECK(out.value(*epilogue_of(fused).residual).name == "b");
    CHECK(testing::producer(out, "b").kind == OpKind::conv2d);
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("fuse-epilogue leaves an add with a non-channel constant and a broadcasting add") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId c = testing::conv(g, x, "c", {2, 1});
    // [4] broadcasts along W, not C: not a bias.
    const ValueId s = testing::add(g, c, testing::seeded_constant(g, "k", {4}), "s");
    const ValueId c2 = testing::conv(g, x, "c2", {2, 1});
    const ValueId y = g.add_input("y", {DType::f32, {2, 2, 4, 4}});
    const ValueId t = testing::add(g, c2, y, "t"); // widens the batch: not a residual
    g.set_outputs({s, t});
    const Graph out = passes::fuse_epilogue(g);
    CHECK(testing::count_ops(out, OpKind::add) == 2);
    testing::check_same_outputs(g, out, kTolerance);
}

namespace {
// DenseNet's pre-activation: a BN fold-bn could not fold, as the scale_shift it made of it.
ValueId scale_shift(Graph &g, ValueId x, const std::string &name) {
    const int64_t c = g.type(x).dims[1];
    return testing::op1(g, OpKind::scale_shift,
                        {x, testing::seeded_constant(g, name + ".factor", {c}, 0.5, 1.5),
                         testing::seeded_constant(g, name + ".offset", {c})},
                        ScaleShiftAttrs{}, name);
}
} // namespace

TEST_CASE("fuse-epilogue moves the relu after a scale_shift into it (DenseNet's BN + relu)") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 6, 4, 4}});
    const ValueId cat = testing::op1(g, OpKind::concat, {x, x}, ConcatAttrs{}, "cat");
    const ValueId n = scale_shift(g, cat, "n");
    const ValueId r = testing::relu(g, n, "r");
    // The concat has a second reader (the next dense layer's concat): irrelevant to the fusion.
    g.set_outputs({testing::conv(g, r, "c", {4, 1}), cat});
    const Graph out = passes::fuse_epilogue(g);
    CHECK(testing::count_ops(out, OpKind::relu) == 0);
    const Op &fused = testing::producer(out, "r");
    REQUIRE(fused.kind == OpKind::scale_shift);
    CHECK(fused.attr<ScaleShiftAttrs>().activation == "relu");
    CHECK(out.value(fused.inputs[0]).name == "cat");
    // Bit-identical on the reference: the same f32 roundings as scale_shift then relu.
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("fuse-epilogue takes clip into a scale_shift, but neither an add nor a shared result") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 3, 4, 4}});
    const ValueId a = scale_shift(g, x, "a");
    const ValueId a6 = testing::op1(g, OpKind::clip, {a}, ClipAttrs{0, 6}, "a6");
    // A channel-constant add after a scale_shift is no activation: it stays an add.
    const ValueId b = scale_shift(g, x, "b");
    const ValueId bias = testing::seeded_constant(g, "bias", {1, 3, 1, 1});
    const ValueId b_plus = testing::add(g, b, bias, "b_plus");
    // Its result is also a graph output, so the relu must not absorb it.
    const ValueId c = scale_shift(g, x, "c");
    const ValueId c_relu = testing::relu(g, c, "c_relu");
    g.set_outputs({a6, b_plus, c, c_relu});
    const Graph out = passes::fuse_epilogue(g);
    const Op &fused = testing::producer(out, "a6");
    REQUIRE(fused.kind == OpKind::scale_shift);
    CHECK(fused.attr<ScaleShiftAttrs>().activation == "clip");
    CHECK(fused.attr<ScaleShiftAttrs>().clip_max == 6);
    CHECK(testing::producer(out, "b_plus").kind == OpKind::add);
    CHECK(testing::producer(out, "b").attr<ScaleShiftAttrs>().activation == "none");
    CHECK(testing::producer(out, "c_relu").kind == OpKind::relu);
    CHECK(testing::producer(out, "c").attr<ScaleShiftAttrs>().activation == "none");
    testing::check_same_outputs(g, out, 0.0);
}
