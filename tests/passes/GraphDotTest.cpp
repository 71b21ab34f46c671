// The Graphviz writer: fused ops show geometry, algorithm, epilogue and layout; branch groups are
// nested clusters; constants are left out; names are escaped.
#include "passes/GraphDot.h"
#include "passes/Passes.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;

TEST_CASE("graph_to_dot: epilogue, algorithm, layout, plan, clusters") {
    Graph g;
    const ValueId x = g.add_input("in \"0\"", {DType::f32, {1, 4, 4, 4}});
    const ValueId a = testing::conv(g, x, "a", {4, 3, 1, 1, 1, true});
    Conv2DAttrs &attrs = g.op(g.value(a).producer).attr<Conv2DAttrs>();
    attrs.activation = "relu";
    attrs.algorithm = "direct";
    const ValueId b = testing::relu(g, x, "b");
    const ValueId cat = testing::op1(g, OpKind::concat, {a, b}, ConcatAttrs{1}, "cat");
    g.set_outputs({testing::op1(g, OpKind::sigmoid, {cat}, NoAttrs{}, "y")});
    const Graph out = passes::choose_layout(passes::schedule_branches(g));
    const std::string dot = passes::graph_to_dot(out);
    CHECK(dot.find("%a = conv2d\\nkernel 3x3, direct\\n+bias -> relu\\nf32[1,4,4,4] nhwc") !=
          std::string::npos);
    CHECK(dot.find("%in \\\"0\\\" = input") != std::string::npos);
    CHECK(dot.find("subgraph cluster_g0 {") != std::string::npos);
    CHECK(dot.find("subgraph cluster_g0_b0 {") != std::string::npos);
    CHECK(dot.find("subgraph cluster_g0_b1 {") != std::string::npos);
    CHECK(dot.find("a.w") == std::string::npos); // weights are not drawn
    // An edge per producer -> reader pair of activations: x->a, x->b, a->cat, b->cat, cat->y.
    size_t edges = 0;
    for (size_t at = dot.find(" -> op"); at != std::string::npos; at = dot.find(" -> op", at + 1)) ++edges;
    CHECK(edges == 5);
    const Graph planned = passes::plan_memory(out);
    CHECK(passes::graph_to_dot(planned).find("in place") != std::string::npos);
}
