// Graph algorithms over the IR, done by Boost.Graph on an adjacency view of the ops
// (edge: producer op -> consumer op).
#pragma once

#include "ir/Graph.h"

#include <vector>

namespace cnnc::ir {

// Ops in an order where every op comes after the producers of its operands: creation order when
// that is one, else Boost's topological order with the graph inputs first in creation order.
// Throws CompileError naming the ops of a cycle if the graph has one.
std::vector<OpId> topological_order(const Graph &g);

// For each value, the ops that read it (an op reading a value twice is listed twice).
std::vector<std::vector<OpId>> value_users(const Graph &g);

// Ops from which some graph output is reachable (the rest is dead code).
std::vector<bool> live_ops(const Graph &g);

} // namespace cnnc::ir
