// Weight packing (see WeightPacking.h). Conv weights go from ONNX's [O, I/g, kh, kw] to output
// channels innermost, the order the register-blocked conv loads them in.
#include "codegen/WeightPacking.h"

#include "codegen/WinogradConvKernel.h"
#include "ir/Error.h"

namespace cnnc::codegen {

namespace {

// (lane, k, kx, ky, block): block b holds output channels b*B .. b*B+B-1 (zero past the last
// channel) and reduces over k input channels from base(b) = (b*B / cog) * cig, which covers the
// groups of all its lanes; a weight whose input channel lies outside its lane's group is 0.
std::vector<float> pack_blocked(const KernelOperand &operand, const std::vector<float> &v, int64_t o_total,
                                int64_t cig, int64_t kh, int64_t kw) {
    const BufferShape &s = operand.shape;
    const int64_t lanes = s.extents[0], reduction = s.extents[1], blocks = s.extents[4];
    const int64_t cog = o_total / operand.groups;
    std::vector<float> out(static_cast<size_t>(s.span()), 0.0f);
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t base = (b * lanes / cog) * cig;
        for (int64_t lane = 0; lane < lanes; ++lane) {
            const int64_t o = b * lanes + lane;
            if (o >= o_total) continue;
            const int64_t group = o / cog;
            for (int64_t k = 0; k < reduction; ++k) {
                const int64_t in_channel = base + k;
                if (in_channel / cig != group) continue;
                const int64_t i = in_channel - group * cig;
                for (int64_t y = 0; y < kh; ++y)
                    for (int64_t x = 0; x < kw; ++x)
                        out[static_cast<size_t>((((b * kh + y) * kw + x) * reduction + k) * lanes + lane)] =
                            v[static_cast<size_t>(((o * cig + i) * kh + y) * kw + x)];
            }
        }
    }
    return out;
}

} // namespace

std::vector<float> pack_operand(const ir::Graph &g, const KernelOperand &operand) {
    const ir::ConstantData *data = g.constant_data(operand.value);
    internal_assert(data != nullptr, "packing %{}, which is not a constant", g.value(operand.value).name);
    const ir::TensorType &type = data->type();
    const std::vector<float> &v = data->values();
    if (operand.packing == Packing::none) return to_standard_layout(type, v);
    std::vector<float> out(v.size());
    auto at = [&](size_t i) -> float & { return out.at(i); };
    if (operand.packing == Packing::blocked_matrix) {
        // [N, K] -> (lane, k, block), zero columns past N in the last block.
        const int64_t lanes = operand.shape.extents[0], depth = operand.shape.extents[1];
        const int64_t columns = type.dims[0];
        std::vector<float> blocked(static_cast<size_t>(operand.shape.span()), 0.0f);
        for (int64_t n = 0; n < columns; ++n)
            for (int64_t k = 0; k < depth; ++k)
                blocked[static_cast<size_t>(((n / lanes) * depth + k) * lanes + n % lanes)] =
                    v[static_cast<size_t>(n * depth + k)];
        return blocked;
    }
    if (operand.packing == Packing::transposed_matrix) {
        const size_t rows = static_cast<size_t>(type.dims[0]), cols = static_cast<size_t>(type.dims[1]);
        for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) at(c * rows + r) = v[r * cols + c];
        return out;
    }
    const int64_t o_total = type.dims[0], i_per_group = type.dims[1], kh = type.dims[2], kw = type.dims[3];
    if (operand.packing == Packing::blocked_conv) return pack_blocked(operand, v, o_total, i_per_group, kh, kw);
    if (operand.packing == Packing::winograd_weights) return pack_winograd_weights(operand, v, o_total, i_per_group);
    const int64_t groups = operand.packing == Packing::grouped_weights ? operand.shape.extents[4] : 1;
    const int64_t o_per_group = o_total / groups;
    for (int64_t o = 0; o < o_total; ++o)
        for (int64_t i = 0; i < i_per_group; ++i)
            for (int64_t y = 0; y < kh; ++y)
                for (int64_t x = 0; x < kw; ++x) {
                    const float value = v[static_cast<size_t>(((o * i_per_group + i) * kh + y) * kw + x)];
                    int64_t index = 0;
                    switch (operand.packing) {
                    case Packing::conv_weights: index = ((y * kw + x) * i_per_group + i) * o_total + o; break;
                    case Packing::depthwise_weights: index = (y * kw + x) * o_total + o; break;
                    case Packing::grouped_weights: {
                        const int64_t group = o / o_per_group, og = o % o_per_group;
                        index = (((group * kh + y) * kw + x) * i_per_group + i) * o_per_group + og;
                        break;
                    }
                    default: internal_assert(false, "packing {}", packing_name(operand.packing));
                    }
                    at(static_cast<size_t>(index)) = value;
                }
    return out;
}

} // namespace cnnc::codegen
