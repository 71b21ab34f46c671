// The default pipeline (-O2) on the model zoo: every model verifies after every pass and
// computes what it computed before (reference interpreter, 1e-4 relative to each output's
// scale), at a small input size so the suite stays fast. Plus the structural facts issue 5
// asks for: ResNet-50 has no batch_norm and no standalone relu/add left, all its 1x1 stride-1
// convs are gemm-1x1; MobileNet's depthwise convs are `depthwise`; GoogLeNet's 1x1 siblings
// merge; DenseNet's pre-activation BN + relu are one scale_shift each.
#include "frontend/ModelLoader.h"
#include "frontend/Zoo.h"
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "passes/PassManager.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

#include <fmt/format.h>

#include <set>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

constexpr double kTolerance = 1e-4;

Graph optimise(const Graph &g) {
    passes::PassManagerOptions options;
    options.verify_each = true;
    return passes::run_pipeline(g, passes::default_pipeline(), options);
}

// The model at the smallest of a few input sizes its architecture accepts.
Graph load_small(const std::string &name) {
    for (int size : {32, 64, 96, 128, 160, 299}) {
        try {
            return frontend::load_model(fmt::format("zoo:{}?input={}", name, size));
        } catch (const CompileError &) {
            // Too small for this architecture's downsampling; try the next size.
        }
    }
    FAIL("zoo:" << name << " loads at none of the sizes tried");
    return {};
}

} // namespace

TEST_CASE("-O2 keeps every zoo model's outputs within 1e-4 relative") {
    for (const auto &entry : frontend::zoo_entries()) {
        INFO("zoo:", entry.name);
        const Graph g = load_small(entry.name);
        const Graph out = optimise(g);
        CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
        testing::check_same_outputs(g, out, kTolerance);
    }
}

TEST_CASE("ResNet-50 after -O2: no batch_norm, no standalone relu or add, 1x1 convs gemm-1x1") {
    const Graph g = frontend::load_model("zoo:resnet50?input=64");
    const Graph out = optimise(g);
    CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
    CHECK(testing::count_ops(out, OpKind::relu) == 0);
    CHECK(testing::count_ops(out, OpKind::add) == 0);
    int one_by_one = 0, residual = 0;
    for (const Op &op : out.ops()) {
        if (op.kind != OpKind::conv2d) continue;
        const auto &a = op.attr<Conv2DAttrs>();
        residual += a.residual;
        if (a.kernel == Hw{1, 1} && a.stride == Hw{1, 1} && a.groups == 1) {
            ++one_by_one;
            CHECK(a.algorithm == "gemm-1x1");
        }
    }
    CHECK(one_by_one == 33);  // 16 blocks x 2, plus layer1's projection shortcut
    CHECK(residual == 16);    // every block's add is some conv's residual
}

TEST_CASE("MobileNet v1 and v2 after -O2: depthwise convs are depthwise, relu6 fused as clip") {
    for (const char *name : {"mobilenet_v1", "mobilenet_v2"}) {
        INFO(name);
        const Graph out = optimise(frontend::load_model(fmt::format("zoo:{}?input=64", name)));
        int depthwise = 0;
        for (const Op &op : out.ops()) {
            if (op.kind != OpKind::conv2d) continue;
            const auto &a = op.attr<Conv2DAttrs>();
            const int64_t c_in = out.type(op.inputs[0]).dims[1];
            if (a.groups > 1 && a.groups == c_in) {
                ++depthwise;
                CHECK(a.algorithm == "depthwise");
            }
        }
        CHECK(depthwise == (std::string(name) == "mobilenet_v1" ? 13 : 17));
        CHECK(testing::count_ops(out, OpKind::clip) == 0);
        CHECK(testing::count_ops(out, OpKind::relu) == 0);
    }
}

TEST_CASE("GoogLeNet after -O2: each inception module's 1x1 siblings are one conv + split") {
    const Graph out = optimise(frontend::load_model("zoo:googlenet?input=64"));
    // 9 inception modules, each with three 1x1 convs on its input (branch 1, the 3x3 reduce,
    // the 5x5 reduce; the fourth 1x1 reads the pool), all with a relu epilogue. The rule merges
    // convs of at most 256 channels, so in inception5b (branch 1: 384 channels) only the two
    // reduce convs merge, and the 384-channel conv stays beside the merged one on one input.
    CHECK(testing::count_ops(out, OpKind::split) == 9);
    int three_way = 0, two_way = 0;
    for (const Op &op : out.ops()) {
        if (op.kind != OpKind::split) continue;
        const auto &sizes = op.attr<SplitAttrs>().sizes;
        three_way += sizes.size() == 3;
        two_way += sizes.size() == 2;
        const Op &merged = out.op(out.value(op.inputs[0]).producer);
        REQUIRE(merged.kind == OpKind::conv2d);
        CHECK(merged.attr<Conv2DAttrs>().algorithm == "gemm-1x1");
        CHECK(merged.attr<Conv2DAttrs>().activation == "relu");
        if (sizes.size() != 2) continue;
        CHECK(sizes == std::vector<int64_t>{192, 48});
        int wide_siblings = 0;
        for (const Op &other : out.ops())
            wide_siblings += other.kind == OpKind::conv2d && other.inputs[0] == merged.inputs[0] &&
                             out.type(other.outputs[0]).dims[1] == 384;
        CHECK(wide_siblings == 1);
    }
    CHECK(three_way == 8);
    CHECK(two_way == 1);
}

TEST_CASE("DenseNet-121 after -O2: each pre-activation BN + relu is one scale_shift") {
    const Graph g = frontend::load_model("zoo:densenet121?input=64");
    const Graph out = optimise(g);
    // Every BN that reads a concat or a pool (each dense layer's norm1, each transition's norm,
    // norm5) cannot fold into a conv: it is one scale_shift with the relu after it fused, not a mul,
    // an add and a relu. The BNs after a conv (norm0, each layer's norm2) fold into it.
    CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
    CHECK(testing::count_ops(out, OpKind::mul) == 0);
    CHECK(testing::count_ops(out, OpKind::add) == 0);
    CHECK(testing::count_ops(out, OpKind::relu) == 0);
    int scale_shifts = 0;
    for (const Op &op : out.ops()) {
        if (op.kind != OpKind::scale_shift) continue;
        ++scale_shifts;
        INFO("%", out.value(op.outputs[0]).name);
        CHECK(op.attr<ScaleShiftAttrs>().activation == "relu");
        // A concat, or (a block's first layer) the stem's or a transition's pool.
        const OpKind from = out.op(out.value(op.inputs[0]).producer).kind;
        CHECK((from == OpKind::concat || from == OpKind::max_pool || from == OpKind::avg_pool));
    }
    CHECK(scale_shifts == 58 + 3 + 1); // dense layers, transitions, norm5
    testing::check_same_outputs(g, out, kTolerance);
}

TEST_CASE("DenseNet-121 after -O2: every concat copy-free, planned peak at most half") {
    const Graph out = optimise(frontend::load_model("zoo:densenet121?input=64"));
    int concats = 0;
    for (const Op &op : out.ops()) {
        if (op.kind != OpKind::concat) continue;
        ++concats;
        INFO("%", out.value(op.outputs[0]).name);
        CHECK(op.plan.in_place);
    }
    const auto summary = passes::summarize_memory_plan(out);
    CHECK(summary.copy_free_concats == concats);
    CHECK(concats == 58); // (6 + 12 + 24 + 16) layers: one concat per layer after the first,
                          // plus each block's output
    MESSAGE(fmt::format("densenet121@64: arena {} bytes vs {} unplanned", summary.arena_bytes,
                        summary.unplanned_bytes));
    CHECK(summary.arena_bytes * 2 <= summary.unplanned_bytes);
}

namespace {

// The default pipeline up to (not including) `pass`, optionally without `skip`.
std::vector<std::string> pipeline_before(const std::string &pass, const std::string &skip = {}) {
    std::vector<std::string> names;
    for (const auto &name : passes::default_pipeline()) {
        if (name == pass) break;
        if (name != skip) names.push_back(name);
    }
    return names;
}

// Most bytes alive at one op of the creation order, each non-constant value counted from its
// producer to its last reader (graph outputs to the end): the figure schedule-branches lowers,
// recomputed here independently of the pass.
int64_t live_peak(const Graph &g) {
    std::vector<int64_t> last(g.values().size(), -1);
    for (size_t i = 0; i < g.ops().size(); ++i)
        for (ValueId v : g.ops()[i].inputs) last[static_cast<size_t>(v)] = static_cast<int64_t>(i);
    for (ValueId v : g.outputs()) last[static_cast<size_t>(v)] = static_cast<int64_t>(g.ops().size());
    std::vector<int64_t> delta(g.ops().size() + 2, 0);
    for (size_t i = 0; i < g.ops().size(); ++i) {
        if (g.ops()[i].kind == OpKind::constant) continue;
        for (ValueId v : g.ops()[i].outputs) {
            const int64_t end = std::max(static_cast<int64_t>(i), last[static_cast<size_t>(v)]);
            delta[i] += g.type(v).num_bytes();
            delta[static_cast<size_t>(end) + 1] -= g.type(v).num_bytes();
        }
    }
    int64_t live = 0, peak = 0;
    for (int64_t d : delta) peak = std::max(peak, live += d);
    return peak;
}

// From schedule-branches' note "peak live A -> B (any order: >= C, at %op)": B and C as printed.
std::pair<std::string, std::string> peak_and_bound(const std::string &summary) {
    const std::string open = " (any order: >= ";
    const size_t arrow = summary.find(" -> "), bound = summary.find(open);
    const size_t at = summary.find(", at %", bound);
    if (arrow == std::string::npos || bound == std::string::npos || at == std::string::npos)
        return {"?", "no bound in: " + summary};
    const size_t from = bound + open.size();
    return {summary.substr(arrow + 4, bound - arrow - 4), summary.substr(from, at - from)};
}

Graph scheduled(const Graph &g, passes::PassStatistics &stats) {
    passes::StatisticsScope scope(&stats);
    return passes::schedule_branches(g);
}

} // namespace

TEST_CASE("schedule-branches on the zoo: regions found, peak never higher, and optimal") {
    struct Expected {
        const char *model;
        int64_t regions, branches;
        int input = 64; // Inception v3 needs 75 pixels at least
    };
    // GoogLeNet after merge-sibling-convs: per module, the merged 1x1 conv + split and the pool
    // branch (plus the 384-channel conv in inception5b), and inside the first, the split's
    // 3x3 and 5x5 branches: 9 x 2 regions, 8 x (2 + 2) + (3 + 2) branches. ResNet-50 and
    // ResNeXt-50: the 4 projection-shortcut blocks (identity blocks have one branch). DenseNet:
    // every layer depends on the one before, so no independent branches.
    // Inception v3: its 11 modules, plus the smaller fork/join regions nested in their branches.
    for (const Expected &e : {Expected{"googlenet", 18, 37}, Expected{"resnet50", 4, 8},
                              Expected{"resnext50_32x4d", 4, 8}, Expected{"densenet121", 0, 0},
                              Expected{"mobilenet_v2", 0, 0}, Expected{"inception_v3", 23, 51, 75}}) {
        INFO(std::string(e.model));
        const Graph before = passes::run_pipeline(
            frontend::load_model(fmt::format("zoo:{}?input={}", e.model, e.input)),
            pipeline_before("schedule-branches"));
        passes::PassStatistics stats;
        const Graph after = scheduled(before, stats);
        CHECK(stats.count("regions") == e.regions);
        CHECK(stats.count("branches") == e.branches);
        CHECK(live_peak(after) <= live_peak(before));
        // The peak the pass leaves is its lower bound for any order: optimal, on these graphs.
        const auto [peak, bound] = peak_and_bound(stats.summary());
        CHECK(peak == bound);
        MESSAGE(fmt::format("{}@{}: peak live {} -> {} bytes; {}", e.model, e.input, live_peak(before),
                            live_peak(after), stats.summary()));
        testing::check_same_outputs(before, after, 0.0);
    }
}

TEST_CASE("GoogLeNet with unmerged siblings: each inception module is one region of 4 branches") {
    const Graph before =
        passes::run_pipeline(frontend::load_model("zoo:googlenet?input=64"),
                             pipeline_before("schedule-branches", "merge-sibling-convs"));
    passes::PassStatistics stats;
    const Graph after = scheduled(before, stats);
    CHECK(stats.count("regions") == 9);
    CHECK(stats.count("branches") == 36);
    int modules = 0;
    for (const Op &op : after.ops()) {
        if (op.kind != OpKind::concat) continue;
        ++modules;
        std::set<int64_t> groups, branches;
        for (ValueId v : op.inputs) {
            groups.insert(after.op(after.value(v).producer).plan.group);
            branches.insert(after.op(after.value(v).producer).plan.branch);
        }
        CHECK(groups.size() == 1);
        CHECK(*groups.begin() >= 0);
        CHECK(branches == std::set<int64_t>{0, 1, 2, 3});
    }
    CHECK(modules == 9);
    CHECK(live_peak(after) <= live_peak(before));
}

TEST_CASE("AlexNet after -O2: the classifier reads NHWC data in place, its weights permuted") {
    const Graph out = optimise(frontend::load_model("zoo:alexnet?input=64"));
    CHECK(testing::count_ops(out, OpKind::transpose) == 1);
    for (const Op &op : out.ops()) {
        INFO("%", out.value(op.outputs[0]).name);
        CHECK(!op.plan.layout.empty());
        if (op.kind != OpKind::transpose) continue;
        CHECK(op.attr<TransposeAttrs>().perm == Dims{0, 2, 3, 1});
        CHECK(op.plan.layout == "c");
        CHECK(out.op(out.value(op.inputs[0]).producer).plan.layout == "nhwc");
    }
    int permuted = 0;
    for (const Op &op : out.ops())
        if (op.kind == OpKind::gemm) {
            const std::string &w = out.value(op.inputs[1]).name;
            permuted += w.size() > 5 && w.compare(w.size() - 5, 5, ".nhwc") == 0;
        }
    CHECK(permuted == 1);
}
