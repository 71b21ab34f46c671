// Shape inference: the result types of each op from its operands' types and attributes.
// Errors are the user's (a model with inconsistent shapes): CompileError naming the op's
// origin, the op, and what was expected versus found.
#pragma once

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc::ir {

// Result types of one op, given that its operands' types are known.
std::vector<TensorType> infer_op_types(const Graph &g, const Op &op);

// Fills the type of every value, in topological order. A value whose type was already set
// (declared in the text, or by a frontend) must equal the inferred one.
void infer_shapes(Graph &g);

// "net.cnn:4:1: %c = conv2d" — how messages name an op.
std::string describe_op(const Graph &g, const Op &op);

// Output spatial size of a windowed op (conv, pool) along one axis.
int64_t window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                           int64_t pad_end, int64_t dilation, bool ceil_mode);

// Length of an ONNX slice of a `dim`-long axis (negative indices count from the end; clamped).
int64_t slice_length(int64_t dim, int64_t start, int64_t end, int64_t step);

} // namespace cnnc::ir
