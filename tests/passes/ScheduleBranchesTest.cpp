// schedule-branches: regions are found from dominators (an Inception-like module with four
// branches, a projection-shortcut block with two), not where a fork has no join or its readers
// form one chain; branches run contiguously, the cheaper order wins, the result never has a
// higher peak than the input order, and values are unchanged (only the order moves: tolerance 0).
#include "passes/Passes.h"
#include "passes/PassStatistics.h"
#include "ir/Traversal.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

#include <map>
#include <set>

using namespace cnnc;
using namespace cnnc::ir;
using testing::ConvShape;

namespace {

// Position of each named op in the creation order.
int position(const Graph &g, const std::string &name) {
    return static_cast<int>(g.value(*g.find_value(name)).producer);
}

std::pair<int64_t, int64_t> marks(const Graph &g, const std::string &name) {
    const Op &op = testing::producer(g, name);
    return {op.plan.group, op.plan.branch};
}

// Inception-like: four branches from %x to one concat.
Graph inception() {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 8, 6, 6}});
    const ValueId b1 = testing::conv(g, x, "b1", {4, 1});
    const ValueId b2a = testing::conv(g, x, "b2a", {6, 1});
    const ValueId b2 = testing::conv(g, b2a, "b2", {4, 3, 1, 1});
    const ValueId b3a = testing::conv(g, x, "b3a", {32, 1});
    const ValueId b3 = testing::conv(g, b3a, "b3", {4, 5, 1, 2});
    const ValueId p = testing::op1(g, OpKind::max_pool, {x}, PoolAttrs{{3, 3}, {1, 1}, {1, 1, 1, 1}}, "p");
    const ValueId b4 = testing::conv(g, p, "b4", {4, 1});
    const ValueId cat = testing::op1(g, OpKind::concat, {b1, b2, b3, b4}, ConcatAttrs{1}, "cat");
    g.set_outputs({testing::relu(g, cat, "y")});
    return g;
}

} // namespace

TEST_CASE("schedule-branches finds an Inception module's four branches and keeps values") {
    const Graph g = inception();
    passes::PassStatistics stats;
    const Graph out = [&] {
        passes::StatisticsScope scope(&stats);
        return passes::schedule_branches(g);
    }();
    CHECK(stats.count("regions") == 1);
    CHECK(stats.count("branches") == 4);
    std::set<int64_t> branches;
    for (const char *name : {"b1", "b2a", "b2", "b3a", "b3", "p", "b4"}) {
        INFO(name);
        CHECK(marks(out, name).first == 0);
        branches.insert(marks(out, name).second);
    }
    CHECK(branches == std::set<int64_t>{0, 1, 2, 3});
    CHECK(marks(out, "b2a") == marks(out, "b2"));
    CHECK(marks(out, "b3a") == marks(out, "b3"));
    CHECK(marks(out, "p") == marks(out, "b4"));
    // Fork, join and what follows are in no region.
    for (const char *name : {"x", "cat", "y"}) CHECK(marks(out, name) == std::make_pair<int64_t, int64_t>(-1, -1));
    // Each branch is contiguous (its two ops are adjacent, weights aside), and branches run in
    // the order of their index.
    auto first = [&](int64_t branch) {
        int at = INT32_MAX;
        for (size_t i = 0; i < out.ops().size(); ++i)
            if (out.ops()[i].plan.branch == branch) at = std::min(at, static_cast<int>(i));
        return at;
    };
    CHECK(first(0) < first(1));
    CHECK(first(1) < first(2));
    CHECK(first(2) < first(3));
    // The wide 5x5 reduce (%b3a, 32 channels) is the costliest branch: it runs first, before
    // any other branch's result is alive.
    CHECK(marks(out, "b3a").second == 0);
    CHECK(position(out, "b3") < position(out, "b1"));
    CHECK(topological_order(out).front() == 0); // creation order is a valid order
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("schedule-branches lowers the peak and never raises it") {
    // Two branches; the input order runs the thin one first, so its result is alive while the
    // wide branch holds its 64-channel intermediate.
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 8, 8, 8}});
    const ValueId b1 = testing::conv(g, x, "b1", {16, 1});
    const ValueId a1 = testing::conv(g, x, "a1", {64, 3, 1, 1});
    const ValueId a2 = testing::conv(g, a1, "a2", {4, 1});
    g.set_outputs({testing::op1(g, OpKind::concat, {a2, b1}, ConcatAttrs{1}, "y")});
    passes::PassStatistics stats;
    const Graph out = [&] {
        passes::StatisticsScope scope(&stats);
        return passes::schedule_branches(g);
    }();
    CHECK(stats.count("regions reordered") == 1);
    CHECK(stats.summary().find("peak live 22.5 KB -> 19.5 KB") != std::string::npos);
    CHECK(position(out, "a2") < position(out, "b1"));
    CHECK(marks(out, "a1") == std::make_pair<int64_t, int64_t>(0, 0));
    CHECK(marks(out, "b1") == std::make_pair<int64_t, int64_t>(0, 1));
    testing::check_same_outputs(g, out, 0.0);
    // Already in the better order: unchanged, and running it again changes nothing.
    const Graph again = passes::schedule_branches(out);
    std::string why;
    CHECK(structurally_equal(out, again, &why));
    INFO(why);
}

TEST_CASE("schedule-branches: a projection shortcut is a region, an identity shortcut is not") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 8, 6, 6}});
    // Identity block: %x is read by the conv chain and by the add; one branch.
    const ValueId c1 = testing::conv(g, x, "c1", {8, 3, 1, 1});
    const ValueId c2 = testing::conv(g, testing::relu(g, c1, "r1"), "c2", {8, 3, 1, 1});
    const ValueId s1 = testing::relu(g, testing::add(g, c2, x, "s1"), "o1");
    // Projection block: main path and a strided 1x1 shortcut.
    const ValueId m1 = testing::conv(g, s1, "m1", {16, 3, 2, 1});
    const ValueId m2 = testing::conv(g, m1, "m2", {16, 3, 1, 1});
    const ValueId proj = testing::conv(g, s1, "proj", {16, 1, 2});
    const ValueId s2 = testing::add(g, m2, proj, "s2");
    // A fork with no join: both readers are graph outputs.
    g.set_outputs({testing::relu(g, s2, "o2"), testing::op1(g, OpKind::neg, {s2}, NoAttrs{}, "o3")});
    passes::PassStatistics stats;
    const Graph out = [&] {
        passes::StatisticsScope scope(&stats);
        return passes::schedule_branches(g);
    }();
    CHECK(stats.count("regions") == 1);
    CHECK(stats.count("branches") == 2);
    CHECK(marks(out, "m1").first == 0);
    CHECK(marks(out, "m1") == marks(out, "m2"));
    CHECK(marks(out, "proj").first == 0);
    CHECK(marks(out, "proj").second != marks(out, "m1").second);
    for (const char *name : {"c1", "r1", "c2", "s1", "o1", "s2", "o2", "o3"}) {
        INFO(name);
        CHECK(marks(out, name).first == -1);
    }
    testing::check_same_outputs(g, out, 0.0);
}

TEST_CASE("schedule-branches marks nested regions with the innermost one") {
    // %x forks to %a (which forks again to %a1, %a2, joined by %ja) and %b; all join at %cat.
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 4, 4}});
    const ValueId a = testing::conv(g, x, "a", {4, 1});
    const ValueId a1 = testing::relu(g, a, "a1");
    const ValueId a2 = testing::op1(g, OpKind::sigmoid, {a}, NoAttrs{}, "a2");
    const ValueId ja = testing::add(g, a1, a2, "ja");
    const ValueId b = testing::conv(g, x, "b", {4, 1});
    g.set_outputs({testing::op1(g, OpKind::concat, {ja, b}, ConcatAttrs{1}, "cat")});
    passes::PassStatistics stats;
    const Graph out = [&] {
        passes::StatisticsScope scope(&stats);
        return passes::schedule_branches(g);
    }();
    CHECK(stats.count("regions") == 2);
    CHECK(stats.count("branches") == 4);
    const auto outer = marks(out, "a"), inner = marks(out, "a1");
    CHECK(outer.first != inner.first);
    CHECK(marks(out, "ja") == outer);          // the inner join lies in the outer branch
    CHECK(marks(out, "a2").first == inner.first);
    CHECK(marks(out, "a2").second != inner.second);
    CHECK(marks(out, "b").first == outer.first);
    CHECK(marks(out, "b").second != outer.second);
    testing::check_same_outputs(g, out, 0.0);
}
