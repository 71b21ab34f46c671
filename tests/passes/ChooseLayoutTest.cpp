// choose-layout: every op gets the layout codegen uses (nhwc for 4-D values, c otherwise and for
// constants); a flatten of an nhwc tensor feeding constant-weight gemms becomes transpose +
// flatten with the weights permuted, computing the same numbers on the reference interpreter;
// flattens where both orders agree, or with other readers, are left alone.
#include "passes/Passes.h"
#include "passes/PassStatistics.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;

namespace {

ValueId gemm(Graph &g, ValueId a, int64_t out, const std::string &name, bool trans_b) {
    const int64_t k = g.type(a).dims[1];
    GemmAttrs attrs;
    attrs.trans_b = trans_b;
    const ValueId w = testing::seeded_constant(g, name + ".w", trans_b ? Dims{out, k} : Dims{k, out});
    return testing::op1(g, OpKind::gemm, {a, w, testing::seeded_constant(g, name + ".b", {out})}, attrs, name);
}

// VGG's tail: conv, pool to 3x3, flatten, two classifier layers.
Graph classifier(bool reshape, bool trans_b) {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 3, 6, 6}});
    const ValueId c = testing::conv(g, x, "c", {5, 3, 1, 1, 1, true});
    const ValueId p = testing::op1(g, OpKind::max_pool, {c}, PoolAttrs{{2, 2}, {2, 2}}, "p");
    const ValueId f = reshape ? testing::op1(g, OpKind::reshape, {p}, ReshapeAttrs{{2, 45}}, "f")
                              : testing::op1(g, OpKind::flatten, {p}, FlattenAttrs{1}, "f");
    const ValueId fc1 = gemm(g, f, 7, "fc1", trans_b);
    g.set_outputs({gemm(g, testing::relu(g, fc1, "r"), 4, "fc2", true)});
    return g;
}

} // namespace

TEST_CASE("choose-layout permutes a classifier's weights instead of converting at run time") {
    for (bool reshape : {false, true})
        for (bool trans_b : {false, true}) {
            INFO("reshape ", reshape, ", trans_b ", trans_b);
            const Graph g = classifier(reshape, trans_b);
            passes::PassStatistics stats;
            const Graph out = [&] {
                passes::StatisticsScope scope(&stats);
                return passes::choose_layout(g);
            }();
            CHECK(stats.count("conversions inserted") == 1);
            CHECK(stats.count("gemm weights permuted") == 1);
            CHECK(testing::count_ops(out, OpKind::transpose) == 1);
            const Op &f = testing::producer(out, "f");
            const Op &t = out.op(out.value(f.inputs[0]).producer);
            REQUIRE(t.kind == OpKind::transpose);
            CHECK(t.attr<TransposeAttrs>().perm == Dims{0, 2, 3, 1});
            CHECK(out.type(t.outputs[0]).dims == Dims{2, 3, 3, 5});
            CHECK(t.plan.layout == "c");
            CHECK(out.value(t.inputs[0]).name == "p");
            const Op &fc1 = testing::producer(out, "fc1");
            CHECK(out.value(fc1.inputs[1]).name == "fc1.w.nhwc");
            // fc2's weights are not touched: its input is no flatten.
            CHECK(out.value(testing::producer(out, "fc2").inputs[1]).name == "fc2.w");
            for (const Op &op : out.ops()) {
                INFO("%", out.value(op.outputs[0]).name);
                const bool four_d = out.type(op.outputs[0]).rank() == 4;
                const bool activation = op.kind != OpKind::constant && &op != &t;
                CHECK(op.plan.layout == (four_d && activation ? "nhwc" : "c"));
            }
            testing::check_same_outputs(g, out, 1e-5);
            // Idempotent: the inserted transpose is recognised as the relabelling it is.
            std::string why;
            CHECK(structurally_equal(out, passes::choose_layout(out), &why));
            INFO(why);
        }
}

TEST_CASE("choose-layout leaves flattens whose order does not change, or that others read") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 3, 3}});
    // After a global pool, [1,4,1,1] is the same in both orders.
    const ValueId gp = testing::op1(g, OpKind::global_avg_pool, {x}, NoAttrs{}, "gp");
    const ValueId f1 = testing::op1(g, OpKind::flatten, {gp}, FlattenAttrs{1}, "f1");
    const ValueId y1 = gemm(g, f1, 3, "fc1", true);
    // Read by a gemm and by a relu: the relu needs the logical order.
    const ValueId f2 = testing::op1(g, OpKind::flatten, {x}, FlattenAttrs{1}, "f2");
    const ValueId y2 = gemm(g, f2, 3, "fc2", true);
    const ValueId r2 = testing::relu(g, f2, "r2");
    // A gemm whose weights are not constant.
    const ValueId f3 = testing::op1(g, OpKind::flatten, {x}, FlattenAttrs{1}, "f3");
    const ValueId w3 = g.add_input("w3", {DType::f32, {36, 2}});
    const ValueId y3 = testing::op1(g, OpKind::gemm, {f3, w3}, GemmAttrs{}, "fc3");
    g.set_outputs({y1, y2, r2, y3});
    passes::PassStatistics stats;
    const Graph out = [&] {
        passes::StatisticsScope scope(&stats);
        return passes::choose_layout(g);
    }();
    CHECK(stats.count("conversions inserted") == 0);
    CHECK(stats.count("flattens in logical order") == 2); // f2, f3; f1 needs no order
    CHECK(testing::count_ops(out, OpKind::transpose) == 0);
    CHECK(testing::producer(out, "x").plan.layout == "nhwc");
    CHECK(testing::producer(out, "w3").plan.layout == "c");
    CHECK(testing::producer(out, "f1").plan.layout == "c");
    testing::check_same_outputs(g, out, 0.0);
}
