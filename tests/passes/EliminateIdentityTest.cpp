// eliminate-identity: identity, dropout and same-shape reshapes go; real reshapes stay.
#include "passes/Passes.h"
#include "../TestGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;

TEST_CASE("identity, dropout and a no-op reshape are removed and their users rewired") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId c = testing::conv_relu(g, x, 2, "c");
    const ValueId d = g.add(OpKind::dropout, {c}, DropoutAttrs{0.3}, "d");
    const ValueId i = g.add(OpKind::identity, {d}, NoAttrs{}, "i");
    const ValueId same = g.add(OpKind::reshape, {i}, ReshapeAttrs{{1, 2, 4, 4}}, "same");
    const ValueId flat = g.add(OpKind::reshape, {same}, ReshapeAttrs{{1, 32}}, "flat");
    const ValueId s = g.add(OpKind::sigmoid, {flat}, NoAttrs{}, "s");
    g.set_outputs({s});
    infer_shapes(g);
    const Graph out = passes::eliminate_identity(g);
    CHECK(testing::count_ops(out, OpKind::dropout) == 0);
    CHECK(testing::count_ops(out, OpKind::identity) == 0);
    CHECK(testing::count_ops(out, OpKind::reshape) == 1);
    const ValueId new_flat = *out.find_value("flat");
    CHECK(out.value(out.op(out.value(new_flat).producer).inputs[0]).name == "c.relu");
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("an identity feeding a graph output is removed, the output names its operand") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {3}});
    const ValueId n = g.add(OpKind::neg, {x}, NoAttrs{}, "n");
    g.set_outputs({g.add(OpKind::identity, {n}, NoAttrs{}, "out")});
    infer_shapes(g);
    const Graph out = passes::eliminate_identity(g);
    REQUIRE(out.outputs().size() == 1);
    CHECK(out.value(out.outputs()[0]).name == "n");
    testing::check_same_outputs(g, out, 0.0);
}
