// plan-memory: offsets never overlap for tensors alive at once, dead buffers are reused, concats
// are copy-free when their slices are contiguous, graph outputs/inputs/constants are unplanned.
// Plans do not change values (checked against the interpreter, tolerance 0).
#include "passes/Passes.h"
#include "ir/Traversal.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;

namespace {

// Every pair of planned tensors alive at the same time (by the op order) occupies disjoint
// bytes, unless one is an in-place view of the other's bytes.
void check_no_overlap(const Graph &g) {
    const auto order = topological_order(g);
    std::vector<int64_t> pos(g.ops().size());
    for (size_t i = 0; i < order.size(); ++i) pos[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
    struct Buffer {
        ValueId v;
        int64_t begin, end, first, last;
    };
    std::vector<Buffer> buffers;
    const auto users = value_users(g);
    for (const Op &op : g.ops())
        for (size_t r = 0; r < op.plan.offset.size(); ++r) {
            if (op.plan.offset[r] < 0) continue;
            const ValueId v = op.outputs[r];
            int64_t last = pos[static_cast<size_t>(g.value(v).producer)];
            for (OpId u : users[static_cast<size_t>(v)]) last = std::max(last, pos[static_cast<size_t>(u)]);
            buffers.push_back({v, op.plan.offset[r], op.plan.offset[r] + g.type(v).num_bytes(),
                               pos[static_cast<size_t>(g.value(v).producer)], last});
        }
    auto is_view_pair = [&](ValueId a, ValueId b) {
        // a concat/split in place relates its operands and results by design.
        for (ValueId x : {a, b}) {
            const Op &p = g.op(g.value(x).producer);
            if (!p.plan.in_place) continue;
            const ValueId y = x == a ? b : a;
            for (ValueId in : p.inputs)
                if (in == y) return true;
        }
        for (const Op &op : g.ops()) // both slices of the same in-place op's operand
            if (op.plan.in_place && op.kind == OpKind::concat) {
                bool has_a = false, has_b = false;
                for (ValueId in : op.inputs) has_a |= in == a, has_b |= in == b;
                if ((has_a && op.outputs[0] == b) || (has_b && op.outputs[0] == a)) return true;
            }
        return false;
    };
    for (size_t i = 0; i < buffers.size(); ++i)
        for (size_t j = i + 1; j < buffers.size(); ++j) {
            const Buffer &a = buffers[i], &b = buffers[j];
            const bool live_together = a.first <= b.last && b.first <= a.last;
            const bool overlap = a.begin < b.end && b.begin < a.end;
            if (live_together && overlap && !is_view_pair(a.v, b.v)) {
                // Views nested through a chain of in-place concats share bytes too.
                const Op &pa = g.op(g.value(a.v).producer), &pb = g.op(g.value(b.v).producer);
                const bool nested_views = (pa.plan.in_place || pb.plan.in_place) &&
                                          (a.begin <= b.begin ? b.end <= a.end : a.end <= b.end);
                INFO("%", g.value(a.v).name, " and %", g.value(b.v).name, " overlap");
                CHECK(nested_views);
            }
        }
}

} // namespace

TEST_CASE("plan-memory reuses a dead buffer and leaves inputs, constants and outputs unplanned") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 8, 8}}); // 1 KB
    const ValueId a = testing::relu(g, x, "a");
    const ValueId b = testing::op1(g, OpKind::sigmoid, {a}, NoAttrs{}, "b");
    const ValueId c = testing::op1(g, OpKind::neg, {b}, NoAttrs{}, "c"); // a is dead here
    g.set_outputs({testing::relu(g, c, "y")});
    const Graph out = passes::plan_memory(g);
    CHECK(testing::producer(out, "x").plan.offset.empty());
    CHECK(testing::producer(out, "y").plan.offset.empty());
    const int64_t oa = testing::producer(out, "a").plan.offset.at(0);
    const int64_t ob = testing::producer(out, "b").plan.offset.at(0);
    const int64_t oc = testing::producer(out, "c").plan.offset.at(0);
    CHECK(oa != ob);
    CHECK(oc == oa); // a's bytes are free once b is computed
    const auto summary = passes::summarize_memory_plan(out);
    CHECK(summary.arena_bytes == 2 * 1024);
    CHECK(summary.unplanned_bytes == 3 * 1024);
    check_no_overlap(out);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("plan-memory makes an Inception-style concat copy-free") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId a = testing::relu(g, x, "a");
    const ValueId b = testing::op1(g, OpKind::sigmoid, {x}, NoAttrs{}, "b");
    const ValueId c = testing::op1(g, OpKind::concat, {a, b}, ConcatAttrs{1}, "c");
    g.set_outputs({testing::op1(g, OpKind::neg, {c}, NoAttrs{}, "y")});
    const Graph out = passes::plan_memory(g);
    const Op &concat = testing::producer(out, "c");
    CHECK(concat.plan.in_place);
    const int64_t base = concat.plan.offset.at(0);
    CHECK(testing::producer(out, "a").plan.offset.at(0) == base);
    CHECK(testing::producer(out, "b").plan.offset.at(0) == base + 128);
    CHECK(passes::summarize_memory_plan(out).copy_free_concats == 1);
    check_no_overlap(out);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("plan-memory: a concat is not copy-free when slices are not contiguous or an operand "
          "is an input or a graph output") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 2, 4, 4}}); // batch 2: strided slices
    const ValueId a = testing::relu(g, x, "a");
    const ValueId b = testing::op1(g, OpKind::sigmoid, {x}, NoAttrs{}, "b");
    const ValueId c = testing::op1(g, OpKind::concat, {a, b}, ConcatAttrs{1}, "c");
    const ValueId d = testing::op1(g, OpKind::concat, {a, x}, ConcatAttrs{1}, "d");
    const ValueId n = testing::op1(g, OpKind::neg, {a}, NoAttrs{}, "n");
    const ValueId e = testing::op1(g, OpKind::concat, {n, b}, ConcatAttrs{0}, "e");
    g.set_outputs({testing::relu(g, c, "y"), testing::relu(g, d, "z"), e});
    const Graph out = passes::plan_memory(g);
    CHECK_FALSE(testing::producer(out, "c").plan.in_place); // channel slices at batch 2
    CHECK_FALSE(testing::producer(out, "d").plan.in_place); // %x is a graph input
    CHECK_FALSE(testing::producer(out, "e").plan.in_place); // %e is a graph output
    check_no_overlap(out);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("plan-memory: a DenseNet block's concats are prefix views of the last one") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 4, 4}});
    std::vector<ValueId> features{testing::relu(g, x, "x0")};
    for (int layer = 1; layer <= 3; ++layer) {
        const ValueId in = features.size() == 1
                               ? features[0]
                               : testing::op1(g, OpKind::concat, features, ConcatAttrs{1},
                                              "cat" + std::to_string(layer));
        features.push_back(testing::conv(g, in, "f" + std::to_string(layer), {2, 3, 1, 1}));
    }
    const ValueId block = testing::op1(g, OpKind::concat, features, ConcatAttrs{1}, "block");
    g.set_outputs({testing::relu(g, block, "y")});
    const Graph out = passes::plan_memory(g);
    const auto summary = passes::summarize_memory_plan(out);
    CHECK(summary.copy_free_concats == 3);
    const int64_t base = testing::producer(out, "block").plan.offset.at(0);
    CHECK(testing::producer(out, "cat2").plan.offset.at(0) == base);
    CHECK(testing::producer(out, "cat3").plan.offset.at(0) == base);
    CHECK(testing::producer(out, "f3").plan.offset.at(0) == base + (4 + 2 + 2) * 16 * 4);
    check_no_overlap(out);
    testing::check_same_outputs(g, out, 0.0);
}
