/** plan-memory: places every intermediate activation at a byte offset in one arena, reusing the
 * bytes of tensors that are dead, and makes concats copy-free by having their producers write
 * straight into their slice of the concat's result (DenseNet, Inception).
 * The plan is recorded in each op's OpPlan (ir/Graph.h), which code generation reads:
 *   offset[i]  byte offset of result i in the arena (64-byte aligned); the arena's size is the
 *              largest offset + bytes over all ops;
 *   in_place   the op runs no kernel: its results already lie at `offset` because its operands
 *              were written there (a concat whose operands are its slices; a split whose
 *              results are slices of its operand).
 * Not planned (own buffers, no offset): graph inputs, constants, graph outputs.
 * Copy-free concat: a concat is in place when its slices are contiguous (every dim before the
 * axis is 1 — logical NCHW order, i.e. batch 1 along channels) and each operand can sit at its
 * slice: it is an op result that is planned and not yet placed elsewhere, or already placed
 * exactly there. Concats are considered last-first, so a DenseNet block's final concat fixes
 * where every feature map lives and each layer's smaller concat is a prefix view of it. A value
 * placed inside another (a "member" of its "root" buffer) shares the root's lifetime: the root
 * lives from the first member's definition to the last member's last read.
 * Offsets: roots by decreasing size, each at the lowest offset not overlapping a root whose
 * lifetime intersects its own (greedy by size; lifetimes from the current op order, so run it
 * after schedule-branches or any pass that reorders).
 * summarize_memory_plan() (Passes.h) reads the figures back from a planned graph.
 * Expects: shapes inferred, the final op order. Leaves: ops and values unchanged, plans set
 * (an existing plan's offsets are replaced; its group kept). Reports: "peak X MB vs Y MB
 * unplanned" (Y: one buffer per tensor) and "N concats copy-free".
 *   %a = relu(%x) : f32[1,2,4,4]                  →   %a = relu(%x) : f32[1,2,4,4] {offset=[0]}
 *   %b = sigmoid(%x) : f32[1,2,4,4]                   %b = sigmoid(%x) : f32[1,2,4,4] {offset=[128]}
 *   %c = concat(%a, %b) : f32[1,4,4,4]                %c = concat(%a, %b) : f32[1,4,4,4]
 *   %y = neg(%c) : f32[1,4,4,4]                               {offset=[0], in_place=true}
 *   return %y                                         %y = neg(%c) : f32[1,4,4,4]
 */
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace cnnc::passes {

namespace {

using ir::OpKind;

constexpr int64_t kAlignment = 64;

int64_t aligned(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

// Where a value lives: inside `root`'s buffer at byte `rel`; root == self for a buffer of its own.
struct Slot {
    ir::ValueId root = -1;
    int64_t rel = 0;
    bool placed = false; // put inside another buffer (or given members) by a concat/split
};

class Planner {
  public:
    explicit Planner(const ir::Graph &g) : g_(g), slots_(g.values().size()) {
        std::vector<bool> is_output(g.values().size(), false);
        for (ir::ValueId v : g.outputs()) is_output[static_cast<size_t>(v)] = true;
        planned_.assign(g.values().size(), false);
        for (const auto &op : g.ops()) {
            if (op.kind == OpKind::input || op.kind == OpKind::constant) continue;
            for (ir::ValueId v : op.outputs) {
                planned_[static_cast<size_t>(v)] = !is_output[static_cast<size_t>(v)];
                slots_[static_cast<size_t>(v)].root = v;
            }
        }
    }

    bool planned(ir::ValueId v) const { return planned_[static_cast<size_t>(v)]; }
    const Slot &slot(ir::ValueId v) const { return slots_[static_cast<size_t>(v)]; }

    // Lays `parts` out back to back inside `whole` (a concat's operands in its result, or a
    // split's results in its operand), all or nothing. Either no part is placed yet, and all go
    // inside `whole`'s extent (which is theirs alone); or, when `view` allows it, every part is
    // already placed back to back somewhere and `whole` becomes a view of those bytes.
    bool place_slices(ir::ValueId whole, const std::vector<ir::ValueId> &parts, bool view) {
        if (!planned(whole)) return false;
        std::vector<int64_t> prefix;
        int64_t at = 0;
        size_t placed = 0;
        for (size_t i = 0; i < parts.size(); ++i) {
            const ir::ValueId p = parts[i];
            if (!planned(p) || p == whole) return false;
            for (size_t j = 0; j < i; ++j)
                if (parts[j] == p) return false; // one tensor cannot sit in two slices
            prefix.push_back(at);
            at += g_.type(p).num_bytes();
            placed += slot(p).placed;
        }
        if (placed == 0) {
            const Slot w = slot(whole);
            for (size_t i = 0; i < parts.size(); ++i)
                slots_[static_cast<size_t>(parts[i])] = Slot{w.root, w.rel + prefix[i], true};
            return true;
        }
        if (placed != parts.size() || !view || slot(whole).placed) return false;
        const ir::ValueId root = slot(parts[0]).root;
        const int64_t base = slot(parts[0]).rel;
        for (size_t i = 0; i < parts.size(); ++i)
            if (slot(parts[i]).root != root || slot(parts[i]).rel != base + prefix[i]) return false;
        slots_[static_cast<size_t>(whole)] = Slot{root, base, true};
        return true;
    }

    // Offsets for every root by lifetime; returns the arena's peak bytes.
    int64_t assign_offsets(const std::vector<ir::OpId> &order, std::vector<int64_t> &offset) {
        std::vector<int64_t> position(g_.ops().size(), 0);
        for (size_t i = 0; i < order.size(); ++i) position[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
        const size_t n = g_.values().size();
        std::vector<int64_t> first(n, INT64_MAX), last(n, -1);
        for (size_t v = 0; v < n; ++v) {
            if (!planned_[v]) continue;
            const ir::ValueId root = slots_[v].root;
            const int64_t def = position[static_cast<size_t>(g_.value(static_cast<ir::ValueId>(v)).producer)];
            first[static_cast<size_t>(root)] = std::min(first[static_cast<size_t>(root)], def);
            last[static_cast<size_t>(root)] = std::max(last[static_cast<size_t>(root)], def);
        }
        for (const auto &op : g_.ops())
            for (ir::ValueId in : op.inputs)
                if (planned(in)) {
                    const auto root = static_cast<size_t>(slot(in).root);
                    last[root] = std::max(last[root], position[static_cast<size_t>(&op - g_.ops().data())]);
                }
        std::vector<ir::ValueId> roots;
        for (size_t v = 0; v < n; ++v)
            if (planned_[v] && slots_[v].root == static_cast<ir::ValueId>(v)) roots.push_back(static_cast<ir::ValueId>(v));
        auto bytes = [&](ir::ValueId v) { return aligned(g_.type(v).num_bytes()); };
        std::stable_sort(roots.begin(), roots.end(),
                         [&](ir::ValueId a, ir::ValueId b) { return bytes(a) > bytes(b); });
        offset.assign(n, -1);
        struct Placed {
            int64_t begin, end, first, last;
        };
        std::vector<Placed> done;
        int64_t peak = 0;
        for (ir::ValueId r : roots) {
            const auto i = static_cast<size_t>(r);
            std::vector<std::pair<int64_t, int64_t>> busy;
            for (const auto &p : done)
                if (p.first <= last[i] && first[i] <= p.last) busy.emplace_back(p.begin, p.end);
            std::sort(busy.begin(), busy.end());
            int64_t at = 0;
            for (const auto &[b, e] : busy) {
                if (at + bytes(r) <= b) break;
                at = std::max(at, e);
            }
            offset[i] = at;
            done.push_back({at, at + bytes(r), first[i], last[i]});
            peak = std::max(peak, at + bytes(r));
        }
        for (size_t v = 0; v < n; ++v)
            if (planned_[v]) offset[v] = offset[static_cast<size_t>(slots_[v].root)] + slots_[v].rel;
        return peak;
    }

  private:
    const ir::Graph &g_;
    std::vector<Slot> slots_;
    std::vector<bool> planned_;
};

// Slices along `axis` of a row-major tensor are contiguous when every dim before it is 1.
bool contiguous_slices(const ir::Dims &dims, int64_t axis) {
    if (axis < 0) axis += static_cast<int64_t>(dims.size());
    for (int64_t i = 0; i < axis; ++i)
        if (dims[static_cast<size_t>(i)] != 1) return false;
    return true;
}

std::string megabytes(int64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

} // namespace

ir::Graph plan_memory(const ir::Graph &g) {
    const std::vector<ir::OpId> order = ir::topological_order(g);
    Planner planner(g);
    std::vector<bool> in_place(g.ops().size(), false);
    int copy_free = 0;
    // Concats last-first: the outermost concat decides where its operands live.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const ir::Op &op = g.op(*it);
        if (op.kind != OpKind::concat) continue;
        if (!contiguous_slices(g.type(op.outputs[0]).dims, op.attr<ir::ConcatAttrs>().axis)) continue;
        if (planner.place_slices(op.outputs[0], op.inputs, true)) {
            in_place[static_cast<size_t>(*it)] = true;
            ++copy_free;
        }
    }
    for (ir::OpId id : order) {
        const ir::Op &op = g.op(id);
        if (op.kind != OpKind::split) continue;
        if (!contiguous_slices(g.type(op.inputs[0]).dims, op.attr<ir::SplitAttrs>().axis)) continue;
        if (planner.place_slices(op.inputs[0], op.outputs, false)) in_place[static_cast<size_t>(id)] = true;
    }
    std::vector<int64_t> offset;
    const int64_t peak = planner.assign_offsets(order, offset);
    int64_t unplanned = 0;
    ir::Graph out = g;
    for (size_t id = 0; id < out.ops().size(); ++id) {
        ir::Op &op = out.ops()[id];
        op.plan.offset.clear();
        op.plan.in_place = in_place[id];
        bool any = false;
        for (ir::ValueId v : op.outputs) any |= planner.planned(v);
        if (!any) continue;
        for (ir::ValueId v : op.outputs) {
            op.plan.offset.push_back(planner.planned(v) ? offset[static_cast<size_t>(v)] : -1);
            if (planner.planned(v)) unplanned += aligned(g.type(v).num_bytes());
        }
    }
    report_note(fmt::format("peak {} vs {} unplanned", megabytes(peak), megabytes(unplanned)));
    report("concats copy-free", copy_free);
    return out;
}

MemoryPlanSummary summarize_memory_plan(const ir::Graph &g) {
    MemoryPlanSummary s;
    for (const auto &op : g.ops()) {
        s.copy_free_concats += op.kind == OpKind::concat && op.plan.in_place;
        for (size_t i = 0; i < op.plan.offset.size(); ++i) {
            if (op.plan.offset[i] < 0) continue;
            const int64_t bytes = aligned(g.type(op.outputs[i]).num_bytes());
            s.arena_bytes = std::max(s.arena_bytes, op.plan.offset[i] + bytes);
            s.unplanned_bytes += bytes;
        }
    }
    return s;
}

} // namespace cnnc::passes
