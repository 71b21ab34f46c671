// Parses the text form (docs/ir.md) back into a graph: both the dump that print() writes and
// hand-written networks, where weight operands may be left out and are then created with seeded
// initialisers. Errors name file:line:col and what was expected.
#pragma once

#include "ir/Graph.h"

#include <string>
#include <string_view>

namespace cnnc::ir {

// `filename` is used in messages and to resolve sidecar weight paths (relative to its folder).
Graph parse(std::string_view text, const std::string &filename);
Graph parse_file(const std::string &path);

} // namespace cnnc::ir
