// plan-memory and the memory planner it shares with codegen (passes/MemoryPlanner.h): bytes of
// tensors alive at once never overlap unless one is an in-place view of the other, dead buffers
// are reused, concats are copy-free with their operands as strided channel slices (the library's
// channels-innermost layout), graph inputs/outputs/constants are unplanned by the pass.
// Plans do not change values (checked against the interpreter, tolerance 0).
#include "passes/MemoryPlanner.h"
#include "passes/Passes.h"
#include "ir/Traversal.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

#include <set>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

// The arena bytes each planned value touches, enumerated element by element from its root's
// offset and the library layout's strides (independent of how the planner computed `offset`).
std::set<int64_t> bytes_of(const Graph &g, const passes::MemoryPlan &plan, ValueId v) {
    const ValueId root = plan.root[static_cast<size_t>(v)];
    const std::vector<int64_t> strides = passes::library_strides(g.type(root).dims);
    const Dims &dims = g.type(v).dims;
    std::set<int64_t> bytes;
    std::vector<int64_t> index(dims.size(), 0);
    for (int64_t e = 0; e < g.type(v).num_elements(); ++e) {
        int64_t element = 0;
        for (size_t a = 0; a < dims.size(); ++a) element += (plan.start[static_cast<size_t>(v)][a] + index[a]) * strides[a];
        for (int64_t b = 0; b < 4; ++b) bytes.insert(plan.offset[static_cast<size_t>(root)] + element * 4 + b);
        for (size_t a = dims.size(); a-- > 0;)
            if (++index[a] < dims[a]) break;
            else index[a] = 0;
    }
    return bytes;
}

// Every pair of planned tensors alive at the same time (by the op order) touches disjoint bytes,
// unless one lies wholly inside the other and the bigger is an in-place concat's result or the
// smaller an in-place split's result (a view by design). The pass's annotation is the plan's.
void check_no_overlap(const Graph &g, const Graph &annotated) {
    const passes::MemoryPlan plan = passes::plan_memory_layout(g, {});
    const auto order = topological_order(g);
    std::vector<int64_t> pos(g.ops().size());
    for (size_t i = 0; i < order.size(); ++i) pos[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
    struct Buffer {
        ValueId v;
        std::set<int64_t> bytes;
        int64_t first, last;
    };
    std::vector<Buffer> buffers;
    const auto users = value_users(g);
    for (size_t id = 0; id < g.ops().size(); ++id) {
        const Op &op = annotated.ops()[id];
        CHECK(op.plan.in_place == plan.in_place[id]);
        for (size_t r = 0; r < op.outputs.size(); ++r) {
            const ValueId v = op.outputs[r];
            CHECK((op.plan.offset.empty() ? -1 : op.plan.offset[r]) == plan.offset[static_cast<size_t>(v)]);
            if (!plan.planned(v)) continue;
            int64_t last = pos[static_cast<size_t>(g.value(v).producer)];
            for (OpId u : users[static_cast<size_t>(v)]) last = std::max(last, pos[static_cast<size_t>(u)]);
            buffers.push_back({v, bytes_of(g, plan, v), pos[static_cast<size_t>(g.value(v).producer)], last});
        }
    }
    auto view_of = [&](const Buffer &big, const Buffer &small) {
        const bool inside = std::includes(big.bytes.begin(), big.bytes.end(), small.bytes.begin(), small.bytes.end());
        const Op &pb = annotated.op(g.value(big.v).producer), &ps = annotated.op(g.value(small.v).producer);
        return inside && ((pb.kind == OpKind::concat && pb.plan.in_place) || (ps.kind == OpKind::split && ps.plan.in_place));
    };
    for (size_t i = 0; i < buffers.size(); ++i)
        for (size_t j = i + 1; j < buffers.size(); ++j) {
            const Buffer &a = buffers[i], &b = buffers[j];
            if (!(a.first <= b.last && b.first <= a.last)) continue;
            bool overlap = false;
            for (int64_t byte : a.bytes)
                if (b.bytes.count(byte)) {
                    overlap = true;
                    break;
                }
            INFO("%", g.value(a.v).name, " and %", g.value(b.v).name, " overlap while both are alive");
            CHECK((!overlap || view_of(a, b) || view_of(b, a)));
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
    check_no_overlap(g, out);
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
    // Channels innermost: %b's channels start 2 floats into each pixel of %c.
    CHECK(testing::producer(out, "b").plan.offset.at(0) == base + 2 * 4);
    CHECK(passes::summarize_memory_plan(out).copy_free_concats == 1);
    check_no_overlap(g, out);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("plan-memory: channel slices at batch 2 are strided views, a concat of a graph input or "
          "into a graph output copies") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 2, 4, 4}});
    const ValueId a = testing::relu(g, x, "a");
    const ValueId b = testing::op1(g, OpKind::sigmoid, {x}, NoAttrs{}, "b");
    const ValueId c = testing::op1(g, OpKind::concat, {a, b}, ConcatAttrs{1}, "c");
    const ValueId d = testing::op1(g, OpKind::concat, {a, x}, ConcatAttrs{1}, "d");
    const ValueId n = testing::op1(g, OpKind::neg, {a}, NoAttrs{}, "n");
    const ValueId e = testing::op1(g, OpKind::concat, {n, b}, ConcatAttrs{0}, "e");
    g.set_outputs({testing::relu(g, c, "y"), testing::relu(g, d, "z"), e});
    const Graph out = passes::plan_memory(g);
    CHECK(testing::producer(out, "c").plan.in_place); // strided channel slices at batch 2
    CHECK_FALSE(testing::producer(out, "d").plan.in_place); // %x is a graph input
    CHECK_FALSE(testing::producer(out, "e").plan.in_place); // %e is a graph output
    const auto summary = passes::summarize_memory_plan(out);
    CHECK(summary.copy_free_concats == 1);
    CHECK(summary.copied_concats == 2);
    check_no_overlap(g, out);
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("memory planner: a value a kernel cannot address as a strided slice keeps the concat a copy") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId a = testing::relu(g, x, "a");
    const ValueId b = testing::op1(g, OpKind::sigmoid, {x}, NoAttrs{}, "b");
    const ValueId c = testing::op1(g, OpKind::concat, {a, b}, ConcatAttrs{1}, "c");
    g.set_outputs({testing::relu(g, c, "y"), testing::op1(g, OpKind::neg, {b}, NoAttrs{}, "nb")});
    passes::MemoryPlanOptions options;
    options.may_be_slice = [&](ValueId v, ValueId) { return v != b; }; // e.g. a reader needs %b dense
    const passes::MemoryPlan plan = passes::plan_memory_layout(g, options);
    const OpId concat = g.value(c).producer;
    CHECK_FALSE(plan.in_place[static_cast<size_t>(concat)]);
    CHECK(plan.copied_concats == 1);
    CHECK_FALSE(plan.is_slice(a)); // all or nothing
    CHECK_FALSE(plan.is_slice(b));
    const passes::MemoryPlan free_plan = passes::plan_memory_layout(g, {});
    CHECK(free_plan.in_place[static_cast<size_t>(concat)]);
    CHECK(free_plan.is_slice(b));
    CHECK(free_plan.start[static_cast<size_t>(b)] == std::vector<int64_t>{0, 2, 0, 0});
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
    CHECK(testing::producer(out, "f3").plan.offset.at(0) == base + (4 + 2 + 2) * 4); // channel 8 of each pixel
    CHECK(summary.copied_concats == 0);
    CHECK(summary.arena_bytes * 2 <= summary.unplanned_bytes);
    check_no_overlap(g, out);
    testing::check_same_outputs(g, out, 0.0);
}
