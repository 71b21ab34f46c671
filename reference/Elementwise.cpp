// Elementwise kernels of the reference interpreter: the activations (relu, clip, leaky_relu,
// sigmoid, neg) and the four arithmetic ops with numpy multidirectional broadcasting, plus the
// index helpers the other families share. Single-operation results are computed in f32 (already
// correctly rounded); sigmoid is evaluated in double and rounded once.
#include "reference/Kernels.h"

#include "ir/Error.h"

#include <algorithm>
#include <cmath>

namespace cnnc::reference::kernels {

namespace {

template <class F> Tensor map(const Tensor &x, F f) {
    Tensor y(x.type);
    for (int64_t i = 0; i < x.size(); ++i)
        y.data[i] = f(x.data[i]);
    return y;
}

template <class F>
Tensor broadcast_binary(const Tensor &a, const Tensor &b, const TensorType &result, F f) {
    Tensor y(result);
    const Dims &dims = result.dims;
    internal_assert(a.size() == a.type.num_elements() && b.size() == b.type.num_elements(),
                    "operand data does not match its type");
    if (a.dims() == dims && b.dims() == dims) {
        for (int64_t i = 0; i < y.size(); ++i)
            y.data[i] = f(a.data[i], b.data[i]);
        return y;
    }
    const std::vector<int64_t> sa = broadcast_strides(a.dims(), dims);
    const std::vector<int64_t> sb = broadcast_strides(b.dims(), dims);
    if (dims.empty()) {
        y.data[0] = f(a.data[0], b.data[0]);
        return y;
    }
    if (y.size() == 0)
        return y;
    // Odometer over all axes but the last; the last one is the tight loop.
    const size_t rank = dims.size();
    const int64_t inner = dims[rank - 1];
    const int64_t outer = y.size() / inner;
    std::vector<int64_t> index(rank - 1, 0);
    int64_t out = 0;
    for (int64_t o = 0; o < outer; ++o) {
        int64_t ia = 0, ib = 0;
        for (size_t d = 0; d + 1 < rank; ++d)
            ia += index[d] * sa[d], ib += index[d] * sb[d];
        for (int64_t i = 0; i < inner; ++i)
            y.data[out++] = f(a.data[ia + i * sa[rank - 1]], b.data[ib + i * sb[rank - 1]]);
        for (size_t d = rank - 1; d-- > 0;) {
            if (++index[d] < dims[d])
                break;
            index[d] = 0;
        }
    }
    return y;
}

} // namespace

std::vector<int64_t> row_major_strides(const Dims &dims) {
    std::vector<int64_t> strides(dims.size(), 1);
    for (size_t d = dims.size(); d-- > 1;)
        strides[d - 1] = strides[d] * dims[d];
    return strides;
}

std::vector<int64_t> broadcast_strides(const Dims &in, const Dims &out) {
    internal_assert(in.size() <= out.size(), "cannot broadcast {} to {}", ir::dims_to_string(in),
                    ir::dims_to_string(out));
    const std::vector<int64_t> in_strides = row_major_strides(in);
    std::vector<int64_t> strides(out.size(), 0);
    const size_t offset = out.size() - in.size();
    for (size_t d = 0; d < in.size(); ++d) {
        internal_assert(in[d] == out[offset + d] || in[d] == 1, "cannot broadcast {} to {}",
                        ir::dims_to_string(in), ir::dims_to_string(out));
        strides[offset + d] = in[d] == 1 ? 0 : in_strides[d];
    }
    return strides;
}

int64_t normalize_axis(int64_t axis, int64_t rank) {
    const int64_t normalized = axis < 0 ? axis + rank : axis;
    internal_assert(normalized >= 0 && normalized < rank, "axis {} out of range for rank {}", axis,
                    rank);
    return normalized;
}

int64_t floor_div(int64_t a, int64_t b) {
    internal_assert(b > 0, "floor_div by {}", b);
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t ceil_div(int64_t a, int64_t b) {
    return -floor_div(-a, b);
}

Tensor relu(const Tensor &x) {
    // NaN propagates, as in ONNX's reference (np.maximum); std::max alone would depend on order.
    return map(x, [](float v) { return std::isnan(v) ? v : std::max(v, 0.0f); });
}

Tensor clip(const Tensor &x, const ir::ClipAttrs &attrs) {
    const auto lo = static_cast<float>(attrs.min), hi = static_cast<float>(attrs.max);
    // ONNX: min(max(x, min), max); NaN stays NaN.
    return map(x, [lo, hi](float v) { return std::isnan(v) ? v : std::min(std::max(v, lo), hi); });
}

Tensor leaky_relu(const Tensor &x, const ir::LeakyReluAttrs &attrs) {
    const auto alpha = static_cast<float>(attrs.alpha);
    return map(x, [alpha](float v) { return v < 0 ? alpha * v : v; });
}

Tensor sigmoid(const Tensor &x) {
    return map(x, [](float v) {
        const double d = v;
        // Two branches so exp never overflows to inf/inf for large |v|.
        const double s = d >= 0 ? 1.0 / (1.0 + std::exp(-d)) : std::exp(d) / (1.0 + std::exp(d));
        return static_cast<float>(s);
    });
}

Tensor neg(const Tensor &x) {
    return map(x, [](float v) { return -v; });
}

Tensor binary(ir::OpKind kind, const Tensor &a, const Tensor &b, const TensorType &result) {
    switch (kind) {
    case ir::OpKind::add:
        return broadcast_binary(a, b, result, [](float p, float q) { return p + q; });
    case ir::OpKind::sub:
        return broadcast_binary(a, b, result, [](float p, float q) { return p - q; });
    case ir::OpKind::mul:
        return broadcast_binary(a, b, result, [](float p, float q) { return p * q; });
    case ir::OpKind::div:
        return broadcast_binary(a, b, result, [](float p, float q) { return p / q; });
    default:
        internal_assert(false, "{} is not a binary elementwise op", ir::op_name(kind));
    }
}

} // namespace cnnc::reference::kernels
