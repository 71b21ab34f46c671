// The reference interpreter: executes a verified graph op by op with plain loops. It is the
// oracle every other path (passes, generated kernels, ONNX import) is checked against, so it
// favours obviousness over speed. f32 only.
#pragma once

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <vector>

namespace cnnc::reference {

// Runs the whole graph. `inputs` are in the order of g.inputs(); their types must match.
// Returns the graph outputs in order. Throws CompileError on mismatched inputs.
std::vector<ir::Tensor> run(const ir::Graph &g, const std::vector<ir::Tensor> &inputs);

// Evaluates one op on concrete operands (used by run(), fold-constants and kernel tests).
// `op` must belong to `g` (attributes and result types are read from it).
std::vector<ir::Tensor> evaluate_op(const ir::Graph &g, const ir::Op &op,
                                    const std::vector<const ir::Tensor *> &operands);

} // namespace cnnc::reference
