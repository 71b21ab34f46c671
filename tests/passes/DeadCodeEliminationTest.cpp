// dce: removes what no output depends on, keeps inputs and everything live.
#include "passes/Passes.h"
#include "../TestGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;

TEST_CASE("dce removes a dead branch and its weights, keeps unused inputs") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 6, 6}});
    g.add_input("unused", {DType::f32, {3}});
    const ValueId live = testing::conv_relu(g, x, 3, "live");
    testing::conv_relu(g, x, 5, "dead"); // conv + relu + weight: 3 ops
    g.set_outputs({live});
    infer_shapes(g);
    const Graph out = passes::eliminate_dead_code(g);
    CHECK(out.ops().size() == g.ops().size() - 3);
    CHECK_FALSE(out.find_value("dead").has_value());
    CHECK_FALSE(out.find_value("dead.w").has_value());
    CHECK(out.find_value("unused").has_value());
    CHECK(out.inputs().size() == 2);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("dce leaves a graph without dead code unchanged") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 6, 6}});
    g.set_outputs({testing::conv_relu(g, x, 3, "c")});
    infer_shapes(g);
    std::string why;
    CHECK(structurally_equal(g, passes::eliminate_dead_code(g), &why));
    INFO(why);
}
