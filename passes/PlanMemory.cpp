/** plan-memory: places every intermediate activation at a byte offset in one arena, reusing the
 * bytes of tensors that are dead, and makes concats copy-free by having their producers write
 * straight into their slice of the concat's result (DenseNet, Inception).
 * The rules live in passes/MemoryPlanner.h, shared with code generation (which plans the arena
 * of a compiled library with the same function, adding graph inputs and outputs and declining
 * slices a kernel cannot address), so the figures reported here are the library's.
 * The plan is recorded in each op's OpPlan (ir/Graph.h):
 *   offset[i]  byte offset of result i's first element in the arena, in the library's layout
 *              (channels innermost for 4-D): a channel slice of a concat starts c0 floats into
 *              the concat's buffer and is addressed with the concat's strides;
 *   in_place   the op runs no kernel: its results already lie at `offset` because its operands
 *              were written there (a concat whose operands are its slices; a split whose
 *              results are slices of its operand).
 * Not planned (own buffers, no offset): graph inputs, constants, graph outputs.
 * Expects: shapes inferred, the final op order (run it after schedule-branches or any pass that
 * reorders). Leaves: ops and values unchanged, plans set (an existing plan's offsets are
 * replaced; its group kept). Reports: "peak X MB vs Y MB unplanned" (Y: one buffer per tensor),
 * "N concats copy-free" and "M concats copied".
 *   %a = relu(%x) : f32[1,2,4,4]                  →   %a = relu(%x) : f32[1,2,4,4] {offset=[0]}
 *   %b = sigmoid(%x) : f32[1,2,4,4]                   %b = sigmoid(%x) : f32[1,2,4,4] {offset=[8]}
 *   %c = concat(%a, %b) : f32[1,4,4,4]                %c = concat(%a, %b) : f32[1,4,4,4]
 *   %y = neg(%c) : f32[1,4,4,4]                               {offset=[0], in_place=true}
 *   return %y                                         %y = neg(%c) : f32[1,4,4,4]
 */
#include "ir/Error.h"
#include "passes/MemoryPlanner.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"

#include <fmt/format.h>

#include <algorithm>

namespace cnnc::passes {

namespace {

constexpr int64_t kAlignment = 64;

int64_t aligned(int64_t bytes) {
    bytes = std::max<int64_t>(bytes, 1);
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

std::string megabytes(int64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

} // namespace

ir::Graph plan_memory(const ir::Graph &g) {
    MemoryPlanOptions options;
    options.alignment = kAlignment;
    const MemoryPlan plan = plan_memory_layout(g, options);
    ir::Graph out = g;
    for (size_t id = 0; id < out.ops().size(); ++id) {
        ir::Op &op = out.ops()[id];
        op.plan.offset.clear();
        op.plan.in_place = plan.in_place[id];
        bool any = false;
        for (ir::ValueId v : op.outputs) any |= plan.planned(v);
        if (!any) continue;
        for (ir::ValueId v : op.outputs) op.plan.offset.push_back(plan.offset[static_cast<size_t>(v)]);
    }
    report_note(fmt::format("peak {} vs {} unplanned", megabytes(plan.peak_bytes), megabytes(plan.unplanned_bytes)));
    report("concats copy-free", plan.copy_free_concats);
    if (plan.copied_concats) report("concats copied", plan.copied_concats);
    return out;
}

// The arena ends at the furthest (aligned) byte any planned value reaches: a root's aligned end,
// and a slice's dense byte count from its first element ends inside its root's bytes.
MemoryPlanSummary summarize_memory_plan(const ir::Graph &g) {
    MemoryPlanSummary s;
    for (const auto &op : g.ops()) {
        s.copy_free_concats += op.kind == ir::OpKind::concat && op.plan.in_place;
        s.copied_concats += op.kind == ir::OpKind::concat && !op.plan.in_place;
        for (size_t i = 0; i < op.plan.offset.size(); ++i) {
            if (op.plan.offset[i] < 0) continue;
            const int64_t bytes = g.type(op.outputs[i]).num_bytes();
            s.arena_bytes = std::max(s.arena_bytes, aligned(op.plan.offset[i] + bytes));
            s.unplanned_bytes += aligned(bytes);
        }
    }
    return s;
}

} // namespace cnnc::passes
