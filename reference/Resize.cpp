// Reference resize (ONNX Resize on the two spatial axes of NCHW): nearest with each nearest_mode,
// and linear (bilinear), reading the input where ir/ResizeTaps.h says (shared with codegen).
#include "reference/Kernels.h"

#include "ir/Error.h"
#include "ir/ResizeTaps.h"

#include <algorithm>
#include <cmath>

namespace cnnc::reference::kernels {


Tensor resize(const Tensor &x, const ir::ResizeAttrs &attrs, const TensorType &result) {
    internal_assert(x.type.rank() == 4 && result.rank() == 4, "resize of {} to {}",
                    ir::to_string(x.type), ir::to_string(result));
    const int64_t in_h = x.dims()[2], in_w = x.dims()[3];
    const int64_t out_h = result.dims[2], out_w = result.dims[3];
    const ir::ResizeTaps rows = ir::resize_taps(attrs, 0, in_h, out_h),
                         cols = ir::resize_taps(attrs, 1, in_w, out_w);
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
