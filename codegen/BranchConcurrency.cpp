// Concurrent stages from schedule-branches' marks, and the check that a memory plan lets them run
// side by side (see BranchConcurrency.h).
#include "codegen/BranchConcurrency.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Traversal.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace cnnc::codegen {

BranchConcurrencyMode parse_branch_concurrency(const std::string &text) {
    if (text == "off") return BranchConcurrencyMode::off;
    if (text == "on") return BranchConcurrencyMode::on;
    if (text == "auto") return BranchConcurrencyMode::automatic;
    user_error("--branch-concurrency: expected off, on or auto, got '{}'", text);
}

const char *branch_concurrency_name(BranchConcurrencyMode mode) {
    switch (mode) {
    case BranchConcurrencyMode::off: return "off";
    case BranchConcurrencyMode::on: return "on";
    case BranchConcurrencyMode::automatic: return "auto";
    }
    return "?";
}

namespace {

int64_t result_pixels(const ir::Graph &g, const ir::Op &op) {
    int64_t pixels = 1;
    for (ir::ValueId v : op.outputs) {
        const ir::Dims &dims = g.type(v).dims;
        if (dims.size() == 4) pixels = std::max(pixels, dims[2] * dims[3]);
    }
    return pixels;
}

bool selected(const ir::Graph &g, const ConcurrentOps &stage, const BranchConcurrencyOptions &options) {
    if (options.mode != BranchConcurrencyMode::automatic) return options.mode == BranchConcurrencyMode::on;
    for (const auto &branch : stage.branches)
        for (ir::OpId id : branch)
            if (result_pixels(g, g.op(id)) > options.auto_max_pixels) return false;
    return true;
}

// The marks promise that ops of one group in different branches do not depend on each other;
// a dependency inside a run must pass through ops of the run, so checking direct reads suffices.
void check_independent(const ir::Graph &g, const ConcurrentOps &stage) {
    std::map<ir::OpId, size_t> branch_of;
    for (size_t b = 0; b < stage.branches.size(); ++b)
        for (ir::OpId id : stage.branches[b]) branch_of[id] = b;
    for (const auto &[id, b] : branch_of)
        for (ir::ValueId in : g.op(id).inputs) {
            auto it = branch_of.find(g.value(in).producer);
            internal_assert(it == branch_of.end() || it->second == b,
                            "region {}: {} (branch {}) reads %{} of branch {}, so the branches are not independent",
                            stage.group, ir::describe_op(g, g.op(id)), b, g.value(in).name, it->second);
        }
}

using Mark = std::pair<int64_t, int64_t>; // (group, branch)

// Where each region sits: the marks of its fork when the fork lies in a branch of another region
// (schedule-branches gives a nested region's fork the enclosing branch's marks). The fork is the
// earliest op outside the region that its ops read: every operand of a region's interior comes
// from the fork, from the interior (nested regions' ops included) or from a constant.
std::map<int64_t, Mark> region_parents(const ir::Graph &g, const std::vector<ir::OpId> &order) {
    std::vector<size_t> position(g.ops().size(), 0);
    for (size_t i = 0; i < order.size(); ++i) position[static_cast<size_t>(order[i])] = i;
    std::map<int64_t, ir::OpId> fork;
    for (ir::OpId id : order) {
        const int64_t group = g.op(id).plan.group;
        if (group < 0) continue;
        for (ir::ValueId in : g.op(id).inputs) {
            const ir::OpId p = g.value(in).producer;
            if (p < 0 || g.op(p).kind == ir::OpKind::constant || g.op(p).plan.group == group) continue;
            auto [it, fresh] = fork.emplace(group, p);
            if (!fresh && position[static_cast<size_t>(p)] < position[static_cast<size_t>(it->second)]) it->second = p;
        }
    }
    std::map<int64_t, Mark> parents;
    for (const auto &[group, f] : fork)
        if (g.op(f).plan.group >= 0) parents[group] = {g.op(f).plan.group, g.op(f).plan.branch};
    return parents;
}

// Splits `ops` (in execution order, each with its marks outermost first) into runs of one region
// at `depth`, makes a stage of each run with two or more branches that the options select, and
// recurses into every branch for the regions nested there.
void build_stages(const ir::Graph &g, const std::vector<std::pair<ir::OpId, std::vector<Mark>>> &ops, size_t depth,
                  int parent, int parent_branch, const BranchConcurrencyOptions &options,
                  std::vector<ConcurrentOps> &stages) {
    size_t i = 0;
    while (i < ops.size()) {
        if (ops[i].second.size() <= depth) {
            ++i;
            continue;
        }
        const int64_t group = ops[i].second[depth].first;
        std::vector<std::vector<std::pair<ir::OpId, std::vector<Mark>>>> branches;
        std::map<int64_t, size_t> index; // branch mark -> position in `branches`, by first op
        for (; i < ops.size() && ops[i].second.size() > depth && ops[i].second[depth].first == group; ++i) {
            auto [it, fresh] = index.emplace(ops[i].second[depth].second, branches.size());
            if (fresh) branches.emplace_back();
            branches[it->second].push_back(ops[i]);
        }
        ConcurrentOps stage;
        stage.group = group;
        stage.parent = parent;
        stage.parent_branch = parent_branch;
        for (const auto &branch : branches) {
            stage.branches.emplace_back();
            for (const auto &op : branch) stage.branches.back().push_back(op.first);
        }
        int inner_parent = parent, here = static_cast<int>(stages.size());
        if (branches.size() >= 2) {
            check_independent(g, stage);
            if (selected(g, stage, options)) {
                stages.push_back(std::move(stage));
                inner_parent = here;
            }
        }
        for (size_t b = 0; b < branches.size(); ++b)
            build_stages(g, branches[b], depth + 1, inner_parent, inner_parent == here ? static_cast<int>(b) : parent_branch,
                         options, stages);
    }
}

} // namespace

std::vector<ConcurrentOps> concurrent_stages(const ir::Graph &g, const BranchConcurrencyOptions &options) {
    std::vector<ConcurrentOps> stages;
    if (options.mode == BranchConcurrencyMode::off) return stages;
    const std::vector<bool> live = ir::live_ops(g);
    const std::vector<ir::OpId> order = ir::topological_order(g);
    const std::map<int64_t, Mark> parents = region_parents(g, order);
    // Each op with its marks from the outermost region in; constants and inputs run nothing and
    // dead ops are not planned, so they neither start nor break a run.
    std::vector<std::pair<ir::OpId, std::vector<Mark>>> ops;
    for (ir::OpId id : order) {
        const ir::Op &op = g.op(id);
        if (!live[static_cast<size_t>(id)] || op.kind == ir::OpKind::input || op.kind == ir::OpKind::constant) continue;
        std::vector<Mark> marks;
        for (Mark m{op.plan.group, op.plan.branch}; m.first >= 0;) {
            marks.push_back(m);
            internal_assert(marks.size() <= parents.size() + 1, "region {} is nested in itself", op.plan.group);
            auto it = parents.find(m.first);
            if (it == parents.end()) break;
            m = it->second;
        }
        std::reverse(marks.begin(), marks.end());
        ops.emplace_back(id, std::move(marks));
    }
    build_stages(g, ops, 0, -1, -1, options, stages);
    return stages;
}

std::vector<ConcurrentKernels> kernel_stages(const std::vector<ConcurrentOps> &stages,
                                             const std::vector<KernelPlan> &kernels) {
    std::map<ir::OpId, std::vector<int32_t>> kernels_of;
    for (size_t k = 0; k < kernels.size(); ++k) kernels_of[kernels[k].op].push_back(static_cast<int32_t>(k));
    std::vector<ConcurrentKernels> result;
    // Per op stage: its index in `result` (-1: dropped) and where each of its branches went.
    std::vector<int> kept(stages.size(), -1);
    std::vector<std::vector<int>> branch_at(stages.size());
    for (size_t s = 0; s < stages.size(); ++s) {
        const ConcurrentOps &stage = stages[s];
        ConcurrentKernels mapped;
        mapped.begin = INT32_MAX;
        mapped.end = -1;
        int32_t count = 0;
        for (const auto &branch : stage.branches) {
            std::vector<int32_t> ks;
            for (ir::OpId id : branch) {
                auto it = kernels_of.find(id);
                if (it != kernels_of.end()) ks.insert(ks.end(), it->second.begin(), it->second.end());
            }
            branch_at[s].push_back(ks.empty() ? -1 : static_cast<int>(mapped.branches.size()));
            if (ks.empty()) continue; // e.g. a branch that is only an in-place split
            std::sort(ks.begin(), ks.end());
            mapped.begin = std::min(mapped.begin, ks.front());
            mapped.end = std::max(mapped.end, ks.back() + 1);
            count += static_cast<int32_t>(ks.size());
            mapped.branches.push_back(std::move(ks));
        }
        if (mapped.branches.size() < 2) continue;
        // The executor runs kernels [begin, end) as the stage, so they must all belong to it.
        internal_assert(count == mapped.end - mapped.begin, "region {}: its kernels {}..{} are not contiguous ({} of them)",
                        stage.group, mapped.begin, mapped.end - 1, count);
        // The nearest enclosing stage that was kept; a dropped one's kernels run in its parent's branch.
        int p = stage.parent, pb = stage.parent_branch;
        while (p >= 0 && kept[static_cast<size_t>(p)] < 0) {
            pb = stages[static_cast<size_t>(p)].parent_branch;
            p = stages[static_cast<size_t>(p)].parent;
        }
        if (p >= 0) {
            mapped.parent = kept[static_cast<size_t>(p)];
            mapped.parent_branch = branch_at[static_cast<size_t>(p)][static_cast<size_t>(pb)];
            internal_assert(mapped.parent_branch >= 0, "region {}: nested in a branch without kernels", stage.group);
        }
        kept[s] = static_cast<int>(result.size());
        result.push_back(std::move(mapped));
    }
    return result;
}

std::vector<std::string> concurrent_overlaps(const ir::Graph &g, const passes::MemoryPlan &memory,
                                             const std::vector<KernelPlan> &kernels,
                                             const std::vector<ConcurrentKernels> &stages) {
    auto conflict = [&](ir::ValueId a, ir::ValueId b) {
        if (!memory.planned(a) || !memory.planned(b)) return false;
        const ir::ValueId ra = memory.root[static_cast<size_t>(a)], rb = memory.root[static_cast<size_t>(b)];
        if (ra != rb) {
            const int64_t a0 = memory.offset[static_cast<size_t>(ra)], b0 = memory.offset[static_cast<size_t>(rb)];
            return a0 < b0 + g.type(rb).num_bytes() && b0 < a0 + g.type(ra).num_bytes();
        }
        const ir::Dims &da = g.type(a).dims, &db = g.type(b).dims;
        const auto &sa = memory.start[static_cast<size_t>(a)], &sb = memory.start[static_cast<size_t>(b)];
        for (size_t d = 0; d < da.size(); ++d)
            if (sa[d] + da[d] <= sb[d] || sb[d] + db[d] <= sa[d]) return false;
        return true;
    };
    std::vector<std::string> found;
    for (size_t s = 0; s < stages.size(); ++s) {
        const auto &branches = stages[s].branches;
        for (size_t b = 0; b < branches.size(); ++b)
            for (size_t c = 0; c < branches.size(); ++c) {
                if (b == c) continue;
                for (int32_t writer : branches[b])
                    for (int32_t other : branches[c]) {
                        const KernelPlan &w = kernels[static_cast<size_t>(writer)], &o = kernels[static_cast<size_t>(other)];
                        std::vector<std::pair<ir::ValueId, const char *>> touched{{o.output.value, "writes"}};
                        for (const KernelOperand &in : o.inputs) touched.emplace_back(in.value, "reads");
                        for (const auto &[v, how] : touched)
                            if (conflict(w.output.value, v))
                                found.push_back(fmt::format("stage {}: kernel {} writes %{}, kernel {} {} %{}: same bytes", s,
                                                            writer, g.value(w.output.value).name, other, how,
                                                            g.value(v).name));
                    }
            }
    }
    return found;
}

} // namespace cnnc::codegen
