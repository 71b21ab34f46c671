// Reference convolution: conv2d (stride, asymmetric pads, dilation, groups, optional bias) and
// conv_transpose (the same, plus output_padding), NCHW activations, weights OIHW for conv2d and
// [C_in, C_out/groups, kh, kw] for conv_transpose, as ONNX defines them.
//
// Each output channel is accumulated in a double plane (products of two floats are exact in
// double, so the only rounding is in the sum, and it is far below f32's), then rounded once. The
// loop nest puts the output row innermost so it streams through contiguous memory; the valid
// column range for each kernel tap is computed up front, so the inner loop has no padding test.
#include "reference/Kernels.h"

#include "ir/Error.h"

#include <algorithm>

namespace cnnc::reference::kernels {

namespace {

struct Geometry {
    int64_t n, c, h, w;
};

Geometry nchw(const Tensor &t, const char *what) {
    internal_assert(t.type.rank() == 4, "{} must be 4-D, got {}", what, ir::to_string(t.type));
    return {t.dims()[0], t.dims()[1], t.dims()[2], t.dims()[3]};
}

// The indices i in [0, extent) for which j = i * stride + offset lies in [0, target_extent):
// i in [first, last). For conv2d i is an output and j the input it reads through one tap; for
// conv_transpose i is an input and j the output it scatters to.
struct Range {
    int64_t first, last;
};
Range landing_range(int64_t offset, int64_t stride, int64_t target_extent, int64_t extent) {
    const int64_t first = std::max<int64_t>(0, ceil_div(-offset, stride));
    const int64_t last = std::min(extent, floor_div(target_extent - 1 - offset, stride) + 1);
    return {first, std::max(first, last)};
}

void fill_bias(std::vector<double> &plane, const Tensor *bias, int64_t channel) {
    std::fill(plane.begin(), plane.end(), bias ? static_cast<double>(bias->data[channel]) : 0.0);
}

void store(const std::vector<double> &plane, float *out) {
    for (size_t i = 0; i < plane.size(); ++i)
        out[i] = static_cast<float>(plane[i]);
}

} // namespace

Tensor conv2d(const Tensor &x, const Tensor &w, const Tensor *bias, const ir::Conv2DAttrs &attrs,
              const TensorType &result) {
    const Geometry in = nchw(x, "conv2d input"), wt = nchw(w, "conv2d weight");
    Tensor y(result);
    const Geometry out = nchw(y, "conv2d result");
    const int64_t groups = attrs.groups;
    const int64_t in_per_group = wt.c, out_per_group = wt.n / groups;
    internal_assert(in.c == in_per_group * groups && wt.n % groups == 0 && out.c == wt.n &&
                        (!bias || bias->size() == out.c),
                    "conv2d operands {} * {} do not match groups={} and result {}",
                    ir::to_string(x.type), ir::to_string(w.type), groups, ir::to_string(result));
    const int64_t kh_n = wt.h, kw_n = wt.w;
    const int64_t sh = attrs.stride[0], sw = attrs.stride[1];
    const int64_t dh = attrs.dilation[0], dw = attrs.dilation[1];
    const int64_t pt = attrs.pad[0], pl = attrs.pad[1];

    std::vector<double> acc(static_cast<size_t>(out.h * out.w));
    for (int64_t n = 0; n < out.n; ++n)
        for (int64_t o = 0; o < out.c; ++o) {
            const int64_t group = o / out_per_group;
            fill_bias(acc, bias, o);
            for (int64_t ci = 0; ci < in_per_group; ++ci) {
                const float *plane =
                    &x.data[((n * in.c + group * in_per_group + ci) * in.h) * in.w];
                const float *taps = &w.data[((o * in_per_group + ci) * kh_n) * kw_n];
                for (int64_t kh = 0; kh < kh_n; ++kh)
                    for (int64_t kw = 0; kw < kw_n; ++kw) {
                        const double tap = taps[kh * kw_n + kw];
                        const int64_t col_offset = kw * dw - pl;
                        const Range rows = landing_range(kh * dh - pt, sh, in.h, out.h);
                        const Range cols = landing_range(col_offset, sw, in.w, out.w);
                        for (int64_t oh = rows.first; oh < rows.last; ++oh) {
                            const float *row = plane + (oh * sh + kh * dh - pt) * in.w;
                            double *acc_row = &acc[static_cast<size_t>(oh * out.w)];
                            for (int64_t ow = cols.first; ow < cols.last; ++ow)
                                acc_row[ow] += tap * row[ow * sw + col_offset];
                        }
                    }
            }
            store(acc, &y.data[((n * out.c + o) * out.h) * out.w]);
        }
    return y;
}

// The transpose of conv2d: every input pixel scatters its value times each tap into the output
// pixel oh = ih * stride + kh * dilation - pad_top (likewise for columns). output_padding only
// enlarges the result, which the result type already says; the extra rows get the bias alone.
Tensor conv_transpose(const Tensor &x, const Tensor &w, const Tensor *bias,
                      const ir::ConvTransposeAttrs &attrs, const TensorType &result) {
    const Geometry in = nchw(x, "conv_transpose input"), wt = nchw(w, "conv_transpose weight");
    Tensor y(result);
    const Geometry out = nchw(y, "conv_transpose result");
    const int64_t groups = attrs.groups;
    const int64_t in_per_group = in.c / groups, out_per_group = wt.c;
    internal_assert(wt.n == in.c && in.c % groups == 0 && out.c == out_per_group * groups &&
                        (!bias || bias->size() == out.c),
                    "conv_transpose operands {} * {} do not match groups={} and result {}",
                    ir::to_string(x.type), ir::to_string(w.type), groups, ir::to_string(result));
    const int64_t kh_n = wt.h, kw_n = wt.w;
    const int64_t sh = attrs.stride[0], sw = attrs.stride[1];
    const int64_t dh = attrs.dilation[0], dw = attrs.dilation[1];
    const int64_t pt = attrs.pad[0], pl = attrs.pad[1];

    std::vector<double> acc(static_cast<size_t>(out.h * out.w));
    for (int64_t n = 0; n < out.n; ++n)
        for (int64_t o = 0; o < out.c; ++o) {
            const int64_t group = o / out_per_group, og = o % out_per_group;
            fill_bias(acc, bias, o);
            for (int64_t ci = 0; ci < in_per_group; ++ci) {
                const int64_t c = group * in_per_group + ci;
                const float *plane = &x.data[((n * in.c + c) * in.h) * in.w];
                const float *taps = &w.data[((c * out_per_group + og) * kh_n) * kw_n];
                for (int64_t kh = 0; kh < kh_n; ++kh)
                    for (int64_t kw = 0; kw < kw_n; ++kw) {
                        const double tap = taps[kh * kw_n + kw];
                        const int64_t row_offset = kh * dh - pt, col_offset = kw * dw - pl;
                        const Range rows = landing_range(row_offset, sh, out.h, in.h);
                        const Range cols = landing_range(col_offset, sw, out.w, in.w);
                        for (int64_t ih = rows.first; ih < rows.last; ++ih) {
                            const float *row = plane + ih * in.w;
                            double *acc_row =
                                &acc[static_cast<size_t>((ih * sh + row_offset) * out.w)];
                            for (int64_t iw = cols.first; iw < cols.last; ++iw)
                                acc_row[iw * sw + col_offset] += tap * row[iw];
                        }
                    }
            }
            store(acc, &y.data[((n * out.c + o) * out.h) * out.w]);
        }
    return y;
}

} // namespace cnnc::reference::kernels
