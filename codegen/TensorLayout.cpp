// Standard layouts of values inside a compiled library (see TensorLayout.h).
#include "codegen/TensorLayout.h"

#include "ir/Error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cnnc::codegen {

int64_t BufferShape::span() const {
    int64_t last = 0;
    for (size_t d = 0; d < extents.size(); ++d) last += (extents[d] - 1) * strides[d];
    return last + 1;
}

std::string BufferShape::to_string() const {
    return fmt::format("[{}/{}]", fmt::join(extents, "x"), fmt::join(strides, ","));
}

std::vector<int> standard_axes(int64_t rank) {
    if (rank == 4) return {1, 3, 2, 0};
    std::vector<int> axes;
    for (int64_t a = rank - 1; a >= 0; --a) axes.push_back(static_cast<int>(a));
    return axes;
}

BufferShape dense_shape(const std::vector<int64_t> &extents) {
    BufferShape shape;
    int64_t stride = 1;
    for (int64_t e : extents) {
        shape.extents.push_back(e);
        shape.strides.push_back(stride);
        stride *= e;
    }
    return shape;
}

BufferShape standard_shape(const ir::TensorType &type) {
    std::vector<int64_t> extents;
    for (int axis : standard_axes(type.rank())) extents.push_back(type.dims[static_cast<size_t>(axis)]);
    return dense_shape(extents);
}

std::vector<float> to_standard_layout(const ir::TensorType &type, const std::vector<float> &values) {
    internal_assert(static_cast<int64_t>(values.size()) == type.num_elements(),
                    "{} values for {}", values.size(), ir::to_string(type));
    if (type.rank() != 4) return values;
    const int64_t n = type.dims[0], c = type.dims[1], h = type.dims[2], w = type.dims[3];
    std::vector<float> out(values.size());
    for (int64_t in = 0; in < n; ++in)
        for (int64_t ic = 0; ic < c; ++ic)
            for (int64_t ih = 0; ih < h; ++ih)
                for (int64_t iw = 0; iw < w; ++iw)
                    out[static_cast<size_t>(((in * h + ih) * w + iw) * c + ic)] =
                        values[static_cast<size_t>(((in * c + ic) * h + ih) * w + iw)];
    return out;
}

} // namespace cnnc::codegen
