// Reference gemm (ONNX Gemm): y = alpha * op(a) * op(b) + beta * c, where op transposes when
// trans_a / trans_b is set and c (optional) broadcasts unidirectionally to the [M, N] result.
// Each dot product is accumulated in double; alpha, beta and the addition of c are applied in
// double too, then rounded to f32 once.
#include "reference/Kernels.h"

#include "ir/Error.h"

namespace cnnc::reference::kernels {

Tensor gemm(const Tensor &a, const Tensor &b, const Tensor *c, const ir::GemmAttrs &attrs,
            const TensorType &result) {
    internal_assert(a.type.rank() == 2 && b.type.rank() == 2 && result.rank() == 2,
                    "gemm of {} and {}", ir::to_string(a.type), ir::to_string(b.type));
    const int64_t m = result.dims[0], n = result.dims[1];
    const int64_t k = attrs.trans_a ? a.dims()[0] : a.dims()[1];
    // Element (row, col) of op(a) and op(b), read through strides so no transposed copy is made.
    const int64_t a_row = attrs.trans_a ? 1 : a.dims()[1], a_col = attrs.trans_a ? a.dims()[1] : 1;
    const int64_t b_row = attrs.trans_b ? 1 : b.dims()[1], b_col = attrs.trans_b ? b.dims()[1] : 1;
    internal_assert((attrs.trans_a ? a.dims()[1] : a.dims()[0]) == m &&
                        (attrs.trans_b ? b.dims()[1] : b.dims()[0]) == k &&
                        (attrs.trans_b ? b.dims()[0] : b.dims()[1]) == n,
                    "gemm of {} and {} cannot give {}", ir::to_string(a.type),
                    ir::to_string(b.type), ir::to_string(result));
    std::vector<int64_t> c_strides;
    if (c)
        c_strides = broadcast_strides(c->dims(), result.dims);

    Tensor y(result);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double dot = 0;
            for (int64_t p = 0; p < k; ++p)
                dot += static_cast<double>(a.data[i * a_row + p * a_col]) *
                       b.data[p * b_row + j * b_col];
            double value = attrs.alpha * dot;
            if (c)
                value += attrs.beta * c->data[i * c_strides[0] + j * c_strides[1]];
            y.data[i * n + j] = static_cast<float>(value);
        }
    return y;
}

} // namespace cnnc::reference::kernels
