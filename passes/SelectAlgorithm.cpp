/** select-algorithm: sets each conv2d's `algorithm`, the kernel family code generation builds
 * for it. The rule, first match wins (C_in/C_out channels, groups g, output H_o x W_o):
 *   depthwise    g > 1 and g == C_in (channel multiplier C_out / C_in >= 1): one k x k filter
 *                per channel, no reduction over channels — vectorised over channels.
 *   gemm-1x1     1x1 kernel, stride 1, no padding, g == 1: a [H_o*W_o, C_in] x [C_in, C_out]
 *                matrix product read straight from the activation, no im2col.
 *   strided-1x1  1x1 kernel, stride > 1, no padding, g == 1: the same GEMM over the subsampled
 *                pixels (the subsampling is folded into the load).
 *   winograd     only with select-algorithm-winograd: 3x3, stride 1, dilation 1, g == 1, and
 *                C_in, C_out >= 16 (F(2x2,3x3) cuts multiplies 2.25x; its transforms do not pay
 *                on a few channels). Off by default: it changes rounding.
 *   im2col-gemm  k x k, g == 1, H_o * W_o <= 256 and C_in * kh * kw >= 1024: with few output
 *                pixels, direct convolution cannot fill its register block of pixels, while the
 *                long reduction (>= 1024) keeps a GEMM efficient; the im2col buffer, at most 256
 *                rows (4.7 MB for 512 channels 3x3), is half the size of those weights.
 *   direct       everything else: k x k convolutions (also grouped ones, 1 < g < C_in, and
 *                1x1 with padding), register-blocked over output channels and pixels.
 * Expects: shapes inferred. Leaves: every conv2d with a non-empty algorithm (an existing choice is
 * replaced: the rule is a function of the conv's shape). Reports a count per algorithm.
 *   %y = conv2d(%x, %w) {kernel=[1,1]} : f32[1,64,56,56]
 *     →   %y = conv2d(%x, %w) {kernel=[1,1], algorithm=gemm-1x1} : f32[1,64,56,56]
 */
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

namespace cnnc::passes {

namespace {

using ir::OpKind;

std::string choose(const ir::Graph &g, const ir::Op &op, const SelectAlgorithmOptions &options) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Dims &x = g.type(op.inputs[0]).dims, &y = g.type(op.outputs[0]).dims;
    const int64_t c_in = x[1], c_out = y[1];
    const bool one_by_one = a.kernel == ir::Hw{1, 1};
    const bool no_pad = a.pad == ir::Pads{0, 0, 0, 0};
    if (a.groups > 1 && a.groups == c_in) return "depthwise";
    if (one_by_one && no_pad && a.groups == 1)
        return a.stride == ir::Hw{1, 1} ? "gemm-1x1" : "strided-1x1";
    if (options.winograd && a.kernel == ir::Hw{3, 3} && a.stride == ir::Hw{1, 1} &&
        a.dilation == ir::Hw{1, 1} && a.groups == 1 && c_in >= 16 && c_out >= 16)
        return "winograd";
    if (!one_by_one && a.groups == 1 && y[2] * y[3] <= 256 &&
        c_in * a.kernel[0] * a.kernel[1] >= 1024)
        return "im2col-gemm";
    return "direct";
}

ir::Graph select(const ir::Graph &g, const SelectAlgorithmOptions &options) {
    ir::GraphRebuilder rebuild(g);
    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        if (op.kind != OpKind::conv2d) {
            rebuild.copy(op);
            continue;
        }
        ir::Op chosen = op;
        const std::string algorithm = choose(g, op, options);
        chosen.attr<ir::Conv2DAttrs>().algorithm = algorithm;
        report(algorithm);
        rebuild.copy(chosen);
    }
    return rebuild.finish();
}

} // namespace

ir::Graph select_algorithm(const ir::Graph &g, const SelectAlgorithmOptions &options) {
    return select(g, options);
}

ir::Graph select_algorithm(const ir::Graph &g) { return select(g, {}); }

ir::Graph select_algorithm_winograd(const ir::Graph &g) {
    SelectAlgorithmOptions options;
    options.winograd = true;
    return select(g, options);
}

} // namespace cnnc::passes
