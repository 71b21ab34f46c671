// Reference resize (ONNX Resize on the two spatial axes of NCHW): nearest with each nearest_mode,
// and linear (bilinear). Each output coordinate is mapped to an input coordinate by the
// coordinate_transformation_mode, exactly as the ONNX spec writes it:
//   half_pixel:          x_in = (x_out + 0.5) / scale - 0.5
//   pytorch_half_pixel:  x_in = out_len > 1 ? (x_out + 0.5) / scale - 0.5 : 0
//   align_corners:       x_in = out_len == 1 ? 0 : x_out * (in_len - 1) / (out_len - 1)
//   asymmetric:          x_in = x_out / scale
// where scale is ResizeAttrs::scale, or out_len / in_len when that is empty. Nearest rounds x_in
// by the nearest mode; linear interpolates between floor(x_in) and floor(x_in) + 1. Either way an
// index outside the input is clamped to its edge (ONNX pads the input by repeating the edge).
// Coordinates and weights are computed in double.
#include "reference/Kernels.h"

#include "ir/Error.h"

#include <algorithm>
#include <cmath>

namespace cnnc::reference::kernels {

namespace {

double source_coordinate(const std::string &coord, int64_t x_out, double scale, int64_t in_len,
                         int64_t out_len) {
    const auto x = static_cast<double>(x_out);
    if (coord == "half_pixel")
        return (x + 0.5) / scale - 0.5;
    if (coord == "pytorch_half_pixel")
        return out_len > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    if (coord == "align_corners")
        return out_len == 1
                   ? 0.0
                   : x * static_cast<double>(in_len - 1) / static_cast<double>(out_len - 1);
    if (coord == "asymmetric")
        return x / scale;
    internal_assert(false, "resize coordinate mode '{}'", coord);
}

int64_t round_nearest(const std::string &mode, double x) {
    const double below = std::floor(x);
    if (mode == "floor")
        return static_cast<int64_t>(below);
    if (mode == "ceil")
        return static_cast<int64_t>(std::ceil(x));
    // The round_* modes differ only on exact halves.
    const double fraction = x - below;
    if (fraction == 0.5)
        return static_cast<int64_t>(mode == "round_prefer_ceil" ? below + 1 : below);
    internal_assert(mode == "round_prefer_floor" || mode == "round_prefer_ceil",
                    "resize nearest mode '{}'", mode);
    return static_cast<int64_t>(fraction < 0.5 ? below : below + 1);
}

// For one axis: the two input indices each output index reads and the weight of the second
// (nearest mode reads one index with weight 0 on the other).
struct Taps {
    std::vector<int64_t> first, second;
    std::vector<double> weight;
};

Taps axis_taps(const ir::ResizeAttrs &a, int axis, int64_t in_len, int64_t out_len) {
    const double scale = a.scale.empty()
                             ? static_cast<double>(out_len) / static_cast<double>(in_len)
                             : a.scale.at(static_cast<size_t>(axis));
    auto clamp = [in_len](int64_t i) { return std::clamp<int64_t>(i, 0, in_len - 1); };
    Taps taps;
    for (int64_t o = 0; o < out_len; ++o) {
        const double x = source_coordinate(a.coord, o, scale, in_len, out_len);
        if (a.mode == "nearest") {
            const int64_t i = clamp(round_nearest(a.nearest, x));
            taps.first.push_back(i), taps.second.push_back(i), taps.weight.push_back(0.0);
        } else {
            internal_assert(a.mode == "linear", "resize mode '{}'", a.mode);
            const double below = std::floor(x);
            const auto i = static_cast<int64_t>(below);
            taps.first.push_back(clamp(i)), taps.second.push_back(clamp(i + 1));
            taps.weight.push_back(x - below);
        }
    }
    return taps;
}

} // namespace

Tensor resize(const Tensor &x, const ir::ResizeAttrs &attrs, const TensorType &result) {
    internal_assert(x.type.rank() == 4 && result.rank() == 4, "resize of {} to {}",
                    ir::to_string(x.type), ir::to_string(result));
    const int64_t in_h = x.dims()[2], in_w = x.dims()[3];
    const int64_t out_h = result.dims[2], out_w = result.dims[3];
    const Taps rows = axis_taps(attrs, 0, in_h, out_h), cols = axis_taps(attrs, 1, in_w, out_w);
    const bool nearest = attrs.mode == "nearest";
    Tensor y(result);
    const int64_t planes = x.dims()[0] * x.dims()[1];
    for (int64_t p = 0; p < planes; ++p) {
        const float *in = &x.data[p * in_h * in_w];
        float *out = &y.data[p * out_h * out_w];
        for (int64_t oh = 0; oh < out_h; ++oh) {
            const float *top = in + rows.first[oh] * in_w, *bottom = in + rows.second[oh] * in_w;
            const double wy = rows.weight[oh];
            for (int64_t ow = 0; ow < out_w; ++ow) {
                // Copied, not weighted by 1 and 0: 0 * inf would turn an inf into NaN.
                if (nearest) {
                    out[oh * out_w + ow] = top[cols.first[ow]];
                    continue;
                }
                const int64_t left = cols.first[ow], right = cols.second[ow];
                const double wx = cols.weight[ow];
                const double upper = (1 - wx) * top[left] + wx * top[right];
                const double lower = (1 - wx) * bottom[left] + wx * bottom[right];
                out[oh * out_w + ow] = static_cast<float>((1 - wy) * upper + wy * lower);
            }
        }
    }
    return y;
}

} // namespace cnnc::reference::kernels
