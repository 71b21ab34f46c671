// Reference normalisations: inference-mode batch_norm, across-channel LRN and softmax, each
// evaluated in double and rounded to f32 once, following the ONNX formulas literally.
#include "reference/Kernels.h"

#include "ir/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cnnc::reference::kernels {

// y = (x - mean) / sqrt(var + epsilon) * scale + bias, per channel (axis 1) of any rank >= 2.
Tensor batch_norm(const Tensor &x, const Tensor &scale, const Tensor &bias, const Tensor &mean,
                  const Tensor &var, const ir::BatchNormAttrs &attrs) {
    internal_assert(x.type.rank() >= 2, "batch_norm of {}", ir::to_string(x.type));
    const int64_t batch = x.dims()[0], channels = x.dims()[1];
    const int64_t inner = channels == 0 ? 0 : x.size() / (batch * channels);
    for (const Tensor *t : {&scale, &bias, &mean, &var})
        internal_assert(t->size() == channels, "batch_norm parameter {} for {} channels",
                        ir::to_string(t->type), channels);
    Tensor y(x.type);
    for (int64_t c = 0; c < channels; ++c) {
        const double inv_std = 1.0 / std::sqrt(static_cast<double>(var.data[c]) + attrs.epsilon);
        const double m = mean.data[c], s = scale.data[c], b = bias.data[c];
        for (int64_t n = 0; n < batch; ++n) {
            const int64_t base = (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i)
                y.data[base + i] = static_cast<float>((x.data[base + i] - m) * inv_std * s + b);
        }
    }
    return y;
}

// y = activation(x * scale + shift) per channel (axis 1), in f32 with a rounding after the
// multiply and after the add, as the mul and add ops fold-bn used to emit compute it: a graph
// with scale_shift and one with mul, add, relu give bit-identical results on this oracle.
Tensor scale_shift(const Tensor &x, const Tensor &scale, const Tensor &shift,
                   const ir::Epilogue &epilogue) {
    internal_assert(x.type.rank() >= 2, "scale_shift of {}", ir::to_string(x.type));
    const int64_t batch = x.dims()[0], channels = x.dims()[1];
    const int64_t inner = channels == 0 ? 0 : x.size() / (batch * channels);
    for (const Tensor *t : {&scale, &shift})
        internal_assert(t->size() == channels, "scale_shift parameter {} for {} channels",
                        ir::to_string(t->type), channels);
    Tensor y(x.type);
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t c = 0; c < channels; ++c) {
            const float s = scale.data[c], t = shift.data[c];
            const int64_t base = (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i) {
                const float scaled = x.data[base + i] * s;
                y.data[base + i] = scaled + t;
            }
        }
    apply_epilogue(y, epilogue, nullptr);
    return y;
}

// ONNX LRN: square_sum[c] = sum of x[c']^2 for c' in [c - floor((size-1)/2), c + ceil((size-1)/2)]
// clipped to the channels; y = x / (bias + alpha / size * square_sum)^beta.
Tensor lrn(const Tensor &x, const ir::LrnAttrs &attrs) {
    internal_assert(x.type.rank() >= 3, "lrn of {}", ir::to_string(x.type));
    const int64_t batch = x.dims()[0], channels = x.dims()[1];
    const int64_t inner = channels == 0 ? 0 : x.size() / (batch * channels);
    const int64_t before = (attrs.size - 1) / 2, after = attrs.size - 1 - before;
    Tensor y(x.type);
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t c = 0; c < channels; ++c) {
            const int64_t first = std::max<int64_t>(0, c - before);
            const int64_t last = std::min(channels - 1, c + after);
            for (int64_t i = 0; i < inner; ++i) {
                double square_sum = 0;
                for (int64_t k = first; k <= last; ++k) {
                    const double v = x.data[(n * channels + k) * inner + i];
                    square_sum += v * v;
                }
                const int64_t at = (n * channels + c) * inner + i;
                const double denominator = std::pow(
                    attrs.bias + attrs.alpha / static_cast<double>(attrs.size) * square_sum,
                    attrs.beta);
                y.data[at] = static_cast<float>(x.data[at] / denominator);
            }
        }
    return y;
}

// exp(x - max) / sum(exp(x - max)) along one axis; subtracting the max keeps exp finite.
Tensor softmax(const Tensor &x, const ir::SoftmaxAttrs &attrs) {
    const int64_t rank = x.type.rank();
    const auto axis = static_cast<size_t>(normalize_axis(attrs.axis, rank));
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < x.dims().size(); ++d)
        if (d < axis)
            outer *= x.dims()[d];
        else if (d > axis)
            inner *= x.dims()[d];
    const int64_t extent = x.dims()[axis];
    Tensor y(x.type);
    std::vector<double> e(static_cast<size_t>(extent));
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * extent * inner + i;
            double m = -std::numeric_limits<double>::infinity();
            for (int64_t k = 0; k < extent; ++k)
                m = std::max<double>(m, x.data[base + k * inner]);
            double sum = 0;
            for (int64_t k = 0; k < extent; ++k)
                sum += e[k] = std::exp(static_cast<double>(x.data[base + k * inner]) - m);
            for (int64_t k = 0; k < extent; ++k)
                y.data[base + k * inner] = static_cast<float>(e[k] / sum);
        }
    return y;
}

} // namespace cnnc::reference::kernels
