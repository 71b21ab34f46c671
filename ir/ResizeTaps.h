// Where each output index of a resize reads along one axis (ONNX Resize semantics), computed in
// double once per axis. The reference interpreter applies these taps directly and code generation
// embeds them as tables, so both read the input at exactly the same places:
//   half_pixel:          x_in = (x_out + 0.5) / scale - 0.5
//   pytorch_half_pixel:  x_in = out_len > 1 ? (x_out + 0.5) / scale - 0.5 : 0
//   align_corners:       x_in = x_out * (in_len - 1) / (in_len * scale - 1)   (0 if that is <= 0)
//   asymmetric:          x_in = x_out / scale
// where scale is ResizeAttrs::scale, or out_len / in_len when that is empty. Nearest rounds x_in
// by the nearest mode; linear interpolates between floor(x_in) and floor(x_in) + 1. An index
// outside the input is clamped to its edge (ONNX repeats the edge).
#pragma once

#include "ir/Attributes.h"

#include <cstdint>
#include <vector>

namespace cnnc::ir {

// For each output index: the two input indices read and the weight of the second (nearest mode
// reads one index twice, with weight 0).
struct ResizeTaps {
    std::vector<int64_t> first, second;
    std::vector<double> weight;
};

// `axis` is 0 for height, 1 for width.
ResizeTaps resize_taps(const ResizeAttrs &attrs, int axis, int64_t in_len, int64_t out_len);

} // namespace cnnc::ir
