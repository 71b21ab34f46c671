// Reference pooling: max_pool (with dilation), avg_pool (count_include_pad both ways), and the
// global pools, NCHW. Output sizes, including ceil_mode's extra window and the rule that the last
// window must start inside the input or its begin padding, come from the result type (shape
// inference applies the rule); here a window simply covers what it covers.
//
// Which positions a window counts (PyTorch's rule, which ONNX Runtime and the ONNX backend tests
// follow): max_pool and avg_pool without count_include_pad see only positions inside the input;
// avg_pool with count_include_pad also counts the pad positions, but not the part of a ceil_mode
// window that hangs past the end padding. Sums are accumulated in double.
#include "reference/Kernels.h"

#include "ir/Error.h"

#include <array>
#include <cmath>
#include <limits>

namespace cnnc::reference::kernels {

namespace {

struct Window {
    int64_t kernel, stride, pad_begin, pad_end, dilation, in_extent;
    // Input position of tap k of the window producing output o (may be in the padding).
    int64_t position(int64_t o, int64_t k) const { return o * stride + k * dilation - pad_begin; }
    bool in_input(int64_t i) const { return i >= 0 && i < in_extent; }
    bool in_padded_input(int64_t i) const { return i >= -pad_begin && i < in_extent + pad_end; }
};

std::array<Window, 2> windows(const Tensor &x, const ir::PoolAttrs &a) {
    return {Window{a.kernel[0], a.stride[0], a.pad[0], a.pad[2], a.dilation[0], x.dims()[2]},
            Window{a.kernel[1], a.stride[1], a.pad[1], a.pad[3], a.dilation[1], x.dims()[3]}};
}

void check_pool_operands(const Tensor &x, const TensorType &result, const char *what) {
    internal_assert(x.type.rank() == 4 && result.rank() == 4 && result.dims[0] == x.dims()[0] &&
                        result.dims[1] == x.dims()[1],
                    "{} of {} cannot give {}", what, ir::to_string(x.type), ir::to_string(result));
}

// Calls f(plane_in, plane_out) for each (n, c) plane.
template <class F> void for_each_plane(const Tensor &x, Tensor &y, F f) {
    const int64_t planes = x.dims()[0] * x.dims()[1];
    const int64_t in_plane = x.dims()[2] * x.dims()[3];
    const int64_t out_plane = y.dims()[2] * y.dims()[3];
    for (int64_t p = 0; p < planes; ++p)
        f(&x.data[p * in_plane], &y.data[p * out_plane]);
}

} // namespace

Tensor max_pool(const Tensor &x, const ir::PoolAttrs &attrs, const TensorType &result) {
    check_pool_operands(x, result, "max_pool");
    Tensor y(result);
    const auto [wh, ww] = windows(x, attrs);
    const int64_t in_w = x.dims()[3], out_h = result.dims[2], out_w = result.dims[3];
    for_each_plane(x, y, [&](const float *in, float *out) {
        for (int64_t oh = 0; oh < out_h; ++oh)
            for (int64_t ow = 0; ow < out_w; ++ow) {
                // A window with no input position would give -inf (the max of nothing); shape
                // inference keeps pads smaller than the window, so none is empty.
                float m = -std::numeric_limits<float>::infinity();
                for (int64_t kh = 0; kh < wh.kernel; ++kh) {
                    const int64_t ih = wh.position(oh, kh);
                    if (!wh.in_input(ih))
                        continue;
                    for (int64_t kw = 0; kw < ww.kernel; ++kw) {
                        const int64_t iw = ww.position(ow, kw);
                        if (!ww.in_input(iw))
                            continue;
                        const float v = in[ih * in_w + iw];
                        // NaN wins and then stays (nothing compares greater than it), as in
                        // PyTorch and ONNX Runtime.
                        if (v > m || std::isnan(v))
                            m = v;
                    }
                }
                out[oh * out_w + ow] = m;
            }
    });
    return y;
}

Tensor avg_pool(const Tensor &x, const ir::PoolAttrs &attrs, const TensorType &result) {
    check_pool_operands(x, result, "avg_pool");
    Tensor y(result);
    const auto [wh, ww] = windows(x, attrs);
    const int64_t in_w = x.dims()[3], out_h = result.dims[2], out_w = result.dims[3];
    for_each_plane(x, y, [&](const float *in, float *out) {
        for (int64_t oh = 0; oh < out_h; ++oh)
            for (int64_t ow = 0; ow < out_w; ++ow) {
                double sum = 0;
                int64_t rows = 0, cols = 0; // counted positions along each axis
                for (int64_t kh = 0; kh < wh.kernel; ++kh) {
                    const int64_t ih = wh.position(oh, kh);
                    if (attrs.count_include_pad ? wh.in_padded_input(ih) : wh.in_input(ih))
                        ++rows;
                    if (!wh.in_input(ih))
                        continue;
                    for (int64_t kw = 0; kw < ww.kernel; ++kw) {
                        const int64_t iw = ww.position(ow, kw);
                        if (ww.in_input(iw))
                            sum += in[ih * in_w + iw];
                    }
                }
                for (int64_t kw = 0; kw < ww.kernel; ++kw) {
                    const int64_t iw = ww.position(ow, kw);
                    if (attrs.count_include_pad ? ww.in_padded_input(iw) : ww.in_input(iw))
                        ++cols;
                }
                // The counted region is a rectangle, so its size is rows * cols.
                out[oh * out_w + ow] = static_cast<float>(sum / static_cast<double>(rows * cols));
            }
    });
    return y;
}

Tensor global_avg_pool(const Tensor &x, const TensorType &result) {
    check_pool_operands(x, result, "global_avg_pool");
    Tensor y(result);
    const int64_t count = x.dims()[2] * x.dims()[3];
    for_each_plane(x, y, [&](const float *in, float *out) {
        double sum = 0;
        for (int64_t i = 0; i < count; ++i)
            sum += in[i];
        out[0] = static_cast<float>(sum / static_cast<double>(count));
    });
    return y;
}

Tensor global_max_pool(const Tensor &x, const TensorType &result) {
    check_pool_operands(x, result, "global_max_pool");
    Tensor y(result);
    const int64_t count = x.dims()[2] * x.dims()[3];
    for_each_plane(x, y, [&](const float *in, float *out) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < count; ++i)
            if (in[i] > m || std::isnan(in[i]))
                m = in[i];
        out[0] = m;
    });
    return y;
}

} // namespace cnnc::reference::kernels
