// Graphviz text for a graph (`cnnc opt --dot FILE`): what the passes decided, drawn so a person
// can follow it. One box per op (constants are left out: they are weights, and a conv's line
// already says what it reads), an edge from each producer to each reader, and per op:
//   %name = kind                     (several results: "%a, %b = split")
//   conv2d: kernel KxK, stride S, groups G when not 1, and the algorithm from select-algorithm;
//   conv2d/gemm: the fused epilogue, "+bias +residual -> relu";
//   the result type(s) and the layout from choose-layout;
//   the plan-memory decision: "@offset" per result, or "in place".
// Branch groups from schedule-branches are clusters: a dashed box per region (OpPlan::group)
// holding a dotted box per branch (OpPlan::branch). A region nested in a branch (its fork lies
// in that branch) is drawn inside that branch's box.
#pragma once

#include "ir/Graph.h"

#include <string>

namespace cnnc::passes {

std::string graph_to_dot(const ir::Graph &g);

} // namespace cnnc::passes
