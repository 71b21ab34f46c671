// How a tensor lies in memory inside a compiled library, described the way Halide describes a
// buffer: one (extent, stride) per dimension, innermost first. Every value has a standard layout:
// 4-D tensors are NHWC (channels innermost, so kernels vectorise across channels, see
// ../shared/DESIGN.md), every other rank is C order. NCHW exists only at the library boundary.
#pragma once

#include "ir/Types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnc::codegen {

struct BufferShape {
    std::vector<int64_t> extents, strides; // Halide dimension order: innermost first

    int64_t rank() const { return static_cast<int64_t>(extents.size()); }
    // Elements the buffer spans (the largest offset + 1).
    int64_t span() const;
    bool operator==(const BufferShape &o) const {
        return extents == o.extents && strides == o.strides;
    }
    // "[64x56x56x1 / 1,64,3584,200704]"
    std::string to_string() const;
};

// Halide dimension d of a value in its standard layout holds logical (NCHW / C order) axis
// standard_axes(rank)[d]: (3, 2, 1, 0) reversed for most ranks, (1, 3, 2, 0) for 4-D.
std::vector<int> standard_axes(int64_t rank);

// The standard layout of a type: dense, in the order standard_axes() gives.
BufferShape standard_shape(const ir::TensorType &type);

// A dense buffer with these extents, innermost first.
BufferShape dense_shape(const std::vector<int64_t> &extents);

// Converts between a logical C-order tensor and the standard layout (used for constants packed
// at compile time; the runtime does the same for inputs and outputs at the boundary).
std::vector<float> to_standard_layout(const ir::TensorType &type, const std::vector<float> &values);

} // namespace cnnc::codegen
