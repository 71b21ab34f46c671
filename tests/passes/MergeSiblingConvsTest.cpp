// merge-sibling-convs: same-input, same-geometry convs with equal epilogues become one conv and
// a split; different geometry, residuals, mismatched activations and wide convs do not merge.
// Values are bit-identical (each output channel is the same dot product; tolerance 0).
#include "passes/Passes.h"
#include "ir/Epilogue.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;
using testing::ConvShape;

namespace {
ValueId conv_act(Graph &g, ValueId x, const std::string &name, ConvShape s,
                 const std::string &activation) {
    ValueId y = testing::conv(g, x, name, s);
    g.op(g.value(y).producer).attr<Conv2DAttrs>().activation = activation;
    return y;
}
} // namespace

TEST_CASE("merge-sibling-convs merges an Inception module's 1x1 siblings") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 8, 6, 6}});
    const ValueId b1 = conv_act(g, x, "b1", {16, 1, 1, 0, 1, true}, "relu");
    const ValueId b2 = conv_act(g, x, "b2", {12, 1}, "relu"); // no bias: zeros when merged
    const ValueId b3 = conv_act(g, x, "b3", {4, 1, 1, 0, 1, true}, "relu");
    const ValueId b2b = testing::conv(g, b2, "b2b", {6, 3, 1, 1});
    const ValueId p = testing::op1(g, OpKind::max_pool, {x},
                                   PoolAttrs{{3, 3}, {1, 1}, {1, 1, 1, 1}}, "p");
    const ValueId b4 = conv_act(g, p, "b4", {4, 1}, "relu"); // reads the pool: not a sibling
    g.set_outputs({testing::op1(g, OpKind::concat, {b1, b2b, b3, b4}, ConcatAttrs{1}, "cat")});
    const Graph out = passes::merge_sibling_convs(g);
    CHECK(testing::count_ops(out, OpKind::conv2d) == 3); // b1+b2+b3 merged, b2b, b4
    CHECK(testing::count_ops(out, OpKind::split) == 1);
    const Op &split = testing::producer(out, "b2");
    REQUIRE(split.kind == OpKind::split);
    CHECK(split.attr<SplitAttrs>().sizes == std::vector<int64_t>{16, 12, 4});
    const Op &merged = out.op(out.value(split.inputs[0]).producer);
    CHECK(out.value(merged.outputs[0]).name == "b1.merged");
    CHECK(out.type(merged.outputs[0]).dims == Dims{1, 32, 6, 6});
    CHECK(merged.attr<Conv2DAttrs>().activation == "relu");
    CHECK(epilogue_of(merged).bias.has_value());
    CHECK(testing::producer(out, "b4").kind == OpKind::conv2d);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("merge-sibling-convs declines: geometry, activation, residual, width") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 8, 6, 6}});
    const ValueId a = conv_act(g, x, "a", {8, 1}, "relu");
    const ValueId b = conv_act(g, x, "b", {8, 1}, "none");          // other activation
    const ValueId c = conv_act(g, x, "c", {8, 3, 1, 1}, "relu");    // other kernel
    const ValueId d = conv_act(g, x, "d", {8, 1, 2}, "relu");       // other stride
    const ValueId e = conv_act(g, x, "e", {300, 1}, "relu");        // wider than 256
    // A residual conv: y = conv(x) + x.
    const ValueId w = testing::seeded_constant(g, "f.w", {8, 8, 1, 1});
    Conv2DAttrs ra;
    ra.activation = "relu";
    ra.residual = true;
    const ValueId f = testing::op1(g, OpKind::conv2d, {x, w, x}, ra, "f");
    g.set_outputs({a, b, c, d, e, f});
    const Graph out = passes::merge_sibling_convs(g);
    std::string why;
    CHECK(structurally_equal(g, out, &why));
    INFO(why);
}
