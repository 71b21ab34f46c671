// The one activation-memory planner of cnnc. The plan-memory pass calls it to annotate the graph
// (OpPlan offset / in_place) and code generation calls it to lay out the arena of a compiled
// library, so what `cnnc opt --stats` reports is what the library does.
//
// Why a shared function rather than codegen reading the pass's annotation: codegen needs more
// than the pass records (graph inputs and outputs live in the arena too, GPU targets align to
// 512 bytes, a value may only be a strided slice where every kernel touching it can take the
// strides), and it must plan at -O0 where the pass does not run. Both ask the same function with
// different options, so there is one set of rules.
//
// The rules. Every planned value is either a root (a buffer of its own in the arena) or a member
// of a root: a box inside the root's logical shape at `start` (one coordinate per axis). A member
// is read and written through the root's strides, so in the library's channels-innermost layout a
// channel slice of a concat is a strided view (same pixel strides, first element c0 floats in).
//  * Copy-free concat: concats are taken last-first, so a DenseNet block's final concat fixes
//    where every feature map lives and each smaller concat is a prefix view of it. A concat is
//    copy-free when either none of its operands is placed yet (each becomes a member at its
//    slice of the result) or all already lie next to each other along the axis inside one root
//    (the result becomes a view of them). An operand qualifies when a kernel of this graph
//    produces it (not a graph input or constant), it is not a graph output (the runtime reads
//    those densely), it is not the same tensor as another operand, and `may_be_slice` accepts it
//    (codegen: every kernel reading or writing it can take a strided buffer).
//  * In-place split: a split whose operand is not a slice of anything makes its results members
//    of the operand, under the same conditions on the results.
//  * Otherwise the op runs a copy kernel (counted as a copied concat).
// Lifetimes: a root lives from its first member's definition to its last member's last read
// (graph inputs from the start, graph outputs to the end, in `boundary_in_arena` mode). A root
// whose lifetime meets the span of a set of concurrent ops is stretched over the whole span. Offsets:
// roots by decreasing size, each at the lowest aligned offset free of every root whose lifetime
// intersects its own; a kernel's result never shares bytes with a buffer it reads, except
// disjoint boxes of one root (checked).
#pragma once

#include "ir/Graph.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace cnnc::passes {

struct MemoryPlanOptions {
    int64_t alignment = 64;
    // Graph inputs and outputs get arena space too (codegen: the runtime converts them from/to
    // NCHW in the arena). Otherwise they own their buffers and are not planned (the pass).
    bool boundary_in_arena = false;
    // May `value` be a strided box inside `root`'s buffer (addressed with the root's strides in
    // the library's layout)? Unset: every value may.
    std::function<bool(ir::ValueId value, ir::ValueId root)> may_be_slice;
    // Sets of ops that may run at the same time (codegen/BranchConcurrency.h: a fork/join
    // region's branches run side by side). Every buffer alive at any point between the first and
    // the last op of a set is kept alive over that whole span, so no two buffers that one of them
    // may touch while another runs share bytes. Empty: ops run one at a time in order.
    std::vector<std::vector<ir::OpId>> concurrent;
};

struct MemoryPlan {
    // Per value: the root it lies in (itself for a root), -1 if not planned.
    std::vector<ir::ValueId> root;
    // Per value: the coordinates of its first element in its root's logical shape.
    std::vector<std::vector<int64_t>> start;
    // Per value: the byte offset of its first element in the arena in the library's layout
    // (library_strides), -1 if not planned.
    std::vector<int64_t> offset;
    // Per op: a concat or split whose results already lie in place (no kernel runs).
    std::vector<bool> in_place;
    int64_t peak_bytes = 0;      // the arena
    int64_t unplanned_bytes = 0; // one aligned buffer per planned value
    int copy_free_concats = 0, copied_concats = 0;

    bool planned(ir::ValueId v) const { return root[static_cast<size_t>(v)] >= 0; }
    // Lies inside another value's buffer (read and written through that buffer's strides).
    bool is_slice(ir::ValueId v) const { return planned(v) && root[static_cast<size_t>(v)] != v; }
};

// Plans the live ops of `g` in topological order (ir::topological_order, ir::live_ops).
MemoryPlan plan_memory_layout(const ir::Graph &g, const MemoryPlanOptions &options);

// Element strides per logical axis of a tensor in the library's layout: channels innermost (NHWC)
// for 4-D tensors, C order otherwise (codegen/TensorLayout.h's standard layout; codegen checks
// that the two agree).
std::vector<int64_t> library_strides(const ir::Dims &dims);

} // namespace cnnc::passes
