// Winograd weights at compile time (see WinogradConvKernel.h): each 3x3 filter becomes its t x t
// transform U = G g G^T, packed per block of B output channels as (lane, k, e, block), so the
// GEMM for transform point e streams one contiguous [k][B] slab per block, as the blocked direct
// conv streams its [k][B] weights.
#include "codegen/WinogradConvKernel.h"
#include "codegen/WinogradTransforms.h"

#include "ir/Error.h"

namespace cnnc::codegen {

std::vector<float> pack_winograd_weights(const KernelOperand &operand, const std::vector<float> &weights,
                                         int64_t out_channels, int64_t in_channels) {
    const BufferShape &s = operand.shape;
    const int64_t lanes = s.extents[0], reduction = s.extents[1], points = s.extents[2], blocks = s.extents[3];
    const int m = points == 36 ? 4 : 2;
    const WinogradMatrices &w = winograd_matrices(m);
    internal_assert(points == w.t * w.t && reduction == in_channels &&
                        static_cast<int64_t>(weights.size()) == out_channels * in_channels * 9,
                    "winograd packing of {} weights into {}", weights.size(), s.to_string());
    std::vector<float> out(static_cast<size_t>(s.span()), 0.0f);
    double g[9];
    for (int64_t o = 0; o < out_channels; ++o) {
        const int64_t block = o / lanes, lane = o % lanes;
        internal_assert(block < blocks, "output channel {} past {} blocks", o, blocks);
        for (int64_t k = 0; k < in_channels; ++k) {
            for (int i = 0; i < 9; ++i) g[i] = weights[static_cast<size_t>((o * in_channels + k) * 9 + i)];
            const std::vector<double> u = winograd_filter_transform(w, g);
            for (int64_t e = 0; e < points; ++e)
                out[static_cast<size_t>(((block * points + e) * reduction + k) * lanes + lane)] =
                    static_cast<float>(u[static_cast<size_t>(e)]);
        }
    }
    return out;
}

} // namespace cnnc::codegen
