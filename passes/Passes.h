// Declarations of every pass (one file each in passes/), in the order of Passes.def. Each file's
// header comment is the pass's contract: what it expects, what it leaves, and an example.
#pragma once

#include "ir/Graph.h"

namespace cnnc::passes {

ir::Graph eliminate_dead_code(const ir::Graph &g);
ir::Graph eliminate_identity(const ir::Graph &g);
ir::Graph fold_constants(const ir::Graph &g);
ir::Graph fold_batch_norm(const ir::Graph &g);
ir::Graph fuse_epilogue(const ir::Graph &g);
ir::Graph merge_sibling_convs(const ir::Graph &g);
ir::Graph fuse_channel_shuffle(const ir::Graph &g);

struct SelectAlgorithmOptions {
    bool winograd = false; // consider Winograd for 3x3 stride-1 convs
};
ir::Graph select_algorithm(const ir::Graph &g, const SelectAlgorithmOptions &options);
ir::Graph select_algorithm(const ir::Graph &g);
ir::Graph select_algorithm_winograd(const ir::Graph &g);
ir::Graph choose_layout(const ir::Graph &g);
ir::Graph schedule_branches(const ir::Graph &g);
ir::Graph plan_memory(const ir::Graph &g);

// What plan-memory decided, read back from the OpPlans of a graph: the arena size codegen
// allocates, the bytes one buffer per planned tensor would take, and the concats that copy
// nothing.
struct MemoryPlanSummary {
    int64_t arena_bytes = 0, unplanned_bytes = 0;
    int copy_free_concats = 0, copied_concats = 0;
};
MemoryPlanSummary summarize_memory_plan(const ir::Graph &g);

} // namespace cnnc::passes
