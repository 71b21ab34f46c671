// The verifier: every invariant a graph must hold between passes. Structural ones (names defined
// once, operands defined, arities, attribute struct and ranges, acyclicity, outputs) and typing
// ones (every value typed; each op's result types equal what shape inference derives).
#pragma once

#include "ir/Graph.h"

namespace cnnc::ir {

// Throws CompileError describing the first broken invariant, with the op's location.
void verify(const Graph &g);

} // namespace cnnc::ir
