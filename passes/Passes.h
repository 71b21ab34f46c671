// Declarations of every pass (one file each in passes/), in the order of Passes.def.
#pragma once

#include "ir/Graph.h"

namespace cnnc::passes {

ir::Graph eliminate_dead_code(const ir::Graph &g);
ir::Graph eliminate_identity(const ir::Graph &g);

} // namespace cnnc::passes
