#include "ir/ResizeTaps.h"

#include "ir/Error.h"

#include <algorithm>
#include <cmath>

namespace cnnc::ir {

namespace {

double source_coordinate(const std::string &coord, int64_t x_out, double scale, int64_t in_len,
                         int64_t out_len) {
    const auto x = static_cast<double>(x_out);
    if (coord == "half_pixel")
        return (x + 0.5) / scale - 0.5;
    if (coord == "pytorch_half_pixel")
        return out_len > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    if (coord == "align_corners") {
        // ONNX divides by the resized length in_len * scale, unrounded: with sizes given it is
        // out_len, with scales given it may be fractional (and then differs from out_len).
        const double resized = scale * static_cast<double>(in_len);
        return resized <= 1 ? 0.0 : x * static_cast<double>(in_len - 1) / (resized - 1);
    }
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

} // namespace

ResizeTaps resize_taps(const ResizeAttrs &a, int axis, int64_t in_len, int64_t out_len) {
    const double scale = a.scale.empty()
                             ? static_cast<double>(out_len) / static_cast<double>(in_len)
                             : a.scale.at(static_cast<size_t>(axis));
    auto clamp = [in_len](int64_t i) { return std::clamp<int64_t>(i, 0, in_len - 1); };
    ResizeTaps taps;
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


} // namespace cnnc::ir
