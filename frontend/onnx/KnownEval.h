// A small evaluator for tensors known while importing (internal to frontend/onnx): enough
// numpy semantics to fold the shape arithmetic exporters emit (Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape, with Add/Mul/Div/Slice/Cast on the way) into static shapes. Integer
// tensors stay exact int64; errors go through the node's context.
#pragma once

#include "frontend/onnx/ImportContext.h"

namespace cnnc::frontend::onnximport {

enum class BinaryOp { add, sub, mul, div };

// Numpy broadcasting; integer operands give an integer result (division truncates, as ONNX's
// integer Div does for the non-negative sizes shape arithmetic produces).
Known known_binary(const Context &ctx, const Known &a, const Known &b, BinaryOp op);
// `inputs` share rank and all dims but `axis` (already normalised).
Known known_concat(const Context &ctx, const std::vector<const Known *> &inputs, int64_t axis);
// ONNX Slice semantics (negative indices from the end, clamped; negative steps).
Known known_slice(const Context &ctx, const Known &data, const std::vector<int64_t> &axes,
                  const std::vector<int64_t> &starts, const std::vector<int64_t> &ends,
                  const std::vector<int64_t> &steps);
// ONNX Gather along a normalised axis; negative indices count from the end.
Known known_gather(const Context &ctx, const Known &data, const Known &indices, int64_t axis);

// Resolves an ONNX Reshape target (0 copies the input dim unless allow_zero, one -1 is
// inferred) against `in`; fails with a message naming both shapes.
ir::Dims resolve_reshape(const Context &ctx, const ir::Dims &in, const std::vector<int64_t> &shape,
                         bool allow_zero);

// Clamped (start, end) of one sliced axis per the ONNX Slice spec, and the result length.
struct SliceRange {
    int64_t start, end, step, length;
};
SliceRange slice_range(int64_t dim, int64_t start, int64_t end, int64_t step);

} // namespace cnnc::frontend::onnximport
