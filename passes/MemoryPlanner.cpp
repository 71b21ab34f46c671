// The activation-memory planner shared by plan-memory and code generation (see MemoryPlanner.h).
#include "passes/MemoryPlanner.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Traversal.h"

#include <algorithm>
#include <climits>

namespace cnnc::passes {

std::vector<int64_t> library_strides(const ir::Dims &dims) {
    const size_t rank = dims.size();
    std::vector<int64_t> strides(rank, 1);
    // Innermost first: C for 4-D (N, H, W, C in memory), otherwise the last axis.
    std::vector<size_t> inner_to_outer;
    if (rank == 4) inner_to_outer = {1, 3, 2, 0};
    else
        for (size_t a = rank; a-- > 0;) inner_to_outer.push_back(a);
    int64_t stride = 1;
    for (size_t axis : inner_to_outer) {
        strides[axis] = stride;
        stride *= dims[axis];
    }
    return strides;
}

namespace {

using ir::OpKind;

int64_t aligned(int64_t bytes, int64_t alignment) {
    bytes = std::max<int64_t>(bytes, 1);
    return (bytes + alignment - 1) / alignment * alignment;
}

class Planner {
  public:
    Planner(const ir::Graph &g, const MemoryPlanOptions &options)
        : g_(g), options_(options), live_(ir::live_ops(g)), order_(ir::topological_order(g)) {
        const size_t n = g.values().size();
        plan_.root.assign(n, -1);
        plan_.start.assign(n, {});
        plan_.offset.assign(n, -1);
        plan_.in_place.assign(g.ops().size(), false);
        has_members_.assign(n, false);
        is_output_.assign(n, false);
        for (ir::ValueId v : g.outputs()) is_output_[static_cast<size_t>(v)] = true;
        for (ir::OpId id : order_) {
            const ir::Op &op = g.op(id);
            if (op.kind == OpKind::constant) continue;
            if (op.kind == OpKind::input ? !options.boundary_in_arena : !live_[static_cast<size_t>(id)]) continue;
            for (ir::ValueId v : op.outputs) {
                if (is_output_[static_cast<size_t>(v)] && !options.boundary_in_arena) continue;
                plan_.root[static_cast<size_t>(v)] = v;
                plan_.start[static_cast<size_t>(v)].assign(g.type(v).dims.size(), 0);
            }
        }
    }

    MemoryPlan run() {
        // Concats last-first: the outermost concat decides where its operands live.
        for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
            const ir::Op &op = g_.op(*it);
            if (!live_[static_cast<size_t>(*it)] || op.kind != OpKind::concat) continue;
            const int64_t axis = normalized_axis(op.attr<ir::ConcatAttrs>().axis, op.outputs[0]);
            const bool free = place_slices(op.outputs[0], op.inputs, axis, true);
            plan_.in_place[static_cast<size_t>(*it)] = free;
            ++(free ? plan_.copy_free_concats : plan_.copied_concats);
        }
        for (ir::OpId id : order_) {
            const ir::Op &op = g_.op(id);
            if (!live_[static_cast<size_t>(id)] || op.kind != OpKind::split) continue;
            const int64_t axis = normalized_axis(op.attr<ir::SplitAttrs>().axis, op.inputs[0]);
            plan_.in_place[static_cast<size_t>(id)] = place_slices(op.inputs[0], op.outputs, axis, false);
        }
        assign_offsets();
        check_kernels_write_apart();
        return std::move(plan_);
    }

  private:
    int64_t normalized_axis(int64_t axis, ir::ValueId v) const {
        return axis < 0 ? axis + static_cast<int64_t>(g_.type(v).dims.size()) : axis;
    }
    size_t at(ir::ValueId v) const { return static_cast<size_t>(v); }
    bool planned(ir::ValueId v) const { return plan_.root[at(v)] >= 0; }
    bool unplaced(ir::ValueId v) const { return plan_.root[at(v)] == v && !has_members_[at(v)]; }
    bool produced_by_kernel(ir::ValueId v) const {
        const OpKind k = g_.op(g_.value(v).producer).kind;
        return k != OpKind::input && k != OpKind::constant;
    }
    // May `v` become a box of `root`'s buffer (read and written through its strides)?
    bool may_lie_in(ir::ValueId v, ir::ValueId root) const {
        if (!planned(v) || is_output_[at(v)]) return false;
        return !options_.may_be_slice || options_.may_be_slice(v, root);
    }

    // Lays `parts` next to each other along `axis` inside `whole` (a concat's operands in its
    // result, or a split's results in its operand), all or nothing. Either no part is placed yet
    // and all become boxes of `whole`'s root; or, when `view` allows it, every part already lies
    // next to the previous one in one root and `whole` becomes the box spanning them.
    bool place_slices(ir::ValueId whole, const std::vector<ir::ValueId> &parts, int64_t axis, bool view) {
        if (!planned(whole)) return false;
        const bool concat = view; // concat parts must be written by a kernel into their slice
        std::vector<int64_t> prefix;
        int64_t along = 0;
        size_t placed = 0;
        for (size_t i = 0; i < parts.size(); ++i) {
            const ir::ValueId p = parts[i];
            if (!planned(p) || p == whole || is_output_[at(p)]) return false;
            if (concat && !produced_by_kernel(p)) return false;
            for (size_t j = 0; j < i; ++j)
                if (parts[j] == p) return false; // one tensor cannot sit in two slices
            prefix.push_back(along);
            along += g_.type(p).dims[static_cast<size_t>(axis)];
            placed += !unplaced(p);
        }
        if (placed == 0) {
            const ir::ValueId root = plan_.root[at(whole)];
            for (ir::ValueId p : parts)
                if (!may_lie_in(p, root)) return false;
            for (size_t i = 0; i < parts.size(); ++i) {
                std::vector<int64_t> start = plan_.start[at(whole)];
                start[static_cast<size_t>(axis)] += prefix[i];
                plan_.root[at(parts[i])] = root;
                plan_.start[at(parts[i])] = std::move(start);
            }
            has_members_[at(root)] = true;
            return true;
        }
        if (placed != parts.size() || !view || !unplaced(whole)) return false;
        const ir::ValueId root = plan_.root[at(parts[0])];
        const std::vector<int64_t> &base = plan_.start[at(parts[0])];
        for (size_t i = 0; i < parts.size(); ++i) {
            std::vector<int64_t> expected = base;
            expected[static_cast<size_t>(axis)] += prefix[i];
            if (plan_.root[at(parts[i])] != root || plan_.start[at(parts[i])] != expected) return false;
        }
        if (!may_lie_in(whole, root)) return false;
        plan_.root[at(whole)] = root;
        plan_.start[at(whole)] = base;
        return true;
    }

    int64_t bytes(ir::ValueId v) const { return aligned(g_.type(v).num_bytes(), options_.alignment); }

    void assign_offsets() {
        std::vector<int64_t> position(g_.ops().size(), 0);
        for (size_t i = 0; i < order_.size(); ++i) position[at(order_[i])] = static_cast<int64_t>(i);
        const size_t n = g_.values().size();
        std::vector<int64_t> first(n, INT64_MAX), last(n, -1);
        for (size_t v = 0; v < n; ++v) {
            if (plan_.root[v] < 0) continue;
            const auto root = at(plan_.root[v]);
            const ir::Op &producer = g_.op(g_.value(static_cast<ir::ValueId>(v)).producer);
            // The runtime writes graph inputs before the first kernel and reads outputs after the last.
            const int64_t def = producer.kind == OpKind::input ? -1 : position[at(g_.value(static_cast<ir::ValueId>(v)).producer)];
            first[root] = std::min(first[root], def);
            last[root] = std::max(last[root], is_output_[v] ? INT64_MAX : def);
        }
        for (ir::OpId id : order_) {
            if (!live_[at(id)]) continue;
            for (ir::ValueId in : g_.op(id).inputs)
                if (planned(in)) last[at(plan_.root[at(in)])] = std::max(last[at(plan_.root[at(in)])], position[at(id)]);
        }
        // Concurrent ops: in the span from the first to the last of them every op may run at
        // any moment, so a buffer alive anywhere in the span is alive over all of it.
        for (const std::vector<ir::OpId> &ops : options_.concurrent) {
            if (ops.empty()) continue;
            int64_t begin = INT64_MAX, end = -1;
            for (ir::OpId id : ops) {
                begin = std::min(begin, position[at(id)]);
                end = std::max(end, position[at(id)]);
            }
            for (size_t r = 0; r < n; ++r)
                if (plan_.root[r] == static_cast<ir::ValueId>(r) && first[r] <= end && begin <= last[r]) {
                    first[r] = std::min(first[r], begin);
                    last[r] = std::max(last[r], end);
                }
        }
        std::vector<ir::ValueId> roots;
        for (size_t v = 0; v < n; ++v) {
            if (plan_.root[v] < 0) continue;
            plan_.unplanned_bytes += bytes(static_cast<ir::ValueId>(v));
            if (plan_.root[v] == static_cast<ir::ValueId>(v)) roots.push_back(static_cast<ir::ValueId>(v));
        }
        std::stable_sort(roots.begin(), roots.end(), [&](ir::ValueId a, ir::ValueId b) { return bytes(a) > bytes(b); });
        struct Placed {
            int64_t begin, end, first, last;
        };
        std::vector<Placed> done;
        std::vector<int64_t> root_offset(n, -1);
        for (ir::ValueId r : roots) {
            const size_t i = at(r);
            std::vector<std::pair<int64_t, int64_t>> busy;
            for (const Placed &p : done)
                if (p.first <= last[i] && first[i] <= p.last) busy.emplace_back(p.begin, p.end);
            std::sort(busy.begin(), busy.end());
            int64_t offset = 0;
            for (const auto &[b, e] : busy) {
                if (offset + bytes(r) <= b) break;
                offset = std::max(offset, e);
            }
            root_offset[i] = offset;
            done.push_back({offset, offset + bytes(r), first[i], last[i]});
            plan_.peak_bytes = std::max(plan_.peak_bytes, offset + bytes(r));
        }
        for (size_t v = 0; v < n; ++v) {
            if (plan_.root[v] < 0) continue;
            const ir::ValueId root = plan_.root[v];
            const ir::TensorType &t = g_.type(root);
            const std::vector<int64_t> strides = library_strides(t.dims);
            int64_t element = 0;
            for (size_t a = 0; a < strides.size(); ++a) element += plan_.start[v][a] * strides[a];
            plan_.offset[v] = root_offset[at(root)] + element * static_cast<int64_t>(ir::dtype_bytes(t.dtype));
        }
    }

    // A kernel may read and write boxes of one root only when they are disjoint.
    void check_kernels_write_apart() const {
        auto disjoint = [&](ir::ValueId a, ir::ValueId b) {
            const ir::Dims &da = g_.type(a).dims, &db = g_.type(b).dims;
            for (size_t d = 0; d < da.size(); ++d) {
                const int64_t a0 = plan_.start[at(a)][d], b0 = plan_.start[at(b)][d];
                if (a0 + da[d] <= b0 || b0 + db[d] <= a0) return true;
            }
            return false;
        };
        for (ir::OpId id : order_) {
            const ir::Op &op = g_.op(id);
            if (!live_[at(id)] || plan_.in_place[at(id)]) continue;
            for (ir::ValueId out : op.outputs)
                for (ir::ValueId in : op.inputs)
                    if (planned(out) && planned(in) && plan_.root[at(out)] == plan_.root[at(in)])
                        internal_assert(disjoint(in, out), "{} writes %{} over %{}, which it reads",
                                        ir::describe_op(g_, op), g_.value(out).name, g_.value(in).name);
        }
    }

    const ir::Graph &g_;
    const MemoryPlanOptions &options_;
    std::vector<bool> live_;
    std::vector<ir::OpId> order_;
    MemoryPlan plan_;
    std::vector<bool> has_members_, is_output_;
};

} // namespace

MemoryPlan plan_memory_layout(const ir::Graph &g, const MemoryPlanOptions &options) {
    internal_assert(options.alignment > 0, "alignment {}", options.alignment);
    return Planner(g, options).run();
}

} // namespace cnnc::passes
