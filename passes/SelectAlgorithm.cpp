/** select-algorithm: sets each conv2d's `algorithm`, the kernel family code generation builds
 * for it. The rule, first match wins (C_in/C_out channels, groups g, output H_o x W_o):
 *   depthwise    g > 1 and g == C_in (channel multiplier C_out / C_in >= 1): one k x k filter
 *                per channel, no reduction over channels — vectorised over channels.
 *   gemm-1x1     1x1 kernel, stride 1, no padding, g == 1: a [H_o*W_o, C_in] x [C_in, C_out]
 *                matrix product read straight from the activation, no im2col.
 *   strided-1x1  1x1 kernel, stride > 1, no padding, g == 1, H_o * W_o <= 196: the same GEMM over
 *                the subsampled pixels (the subsampling is folded into the load), its pixel
 *                tiles running across output rows: about 10% faster than direct at 7x7, even
 *                at 14x14; at 28x28 the direct kernel's row strips win by a third (below).
 *   winograd     3x3, stride 1, dilation 1, g == 1, and by default either C_in, C_out >= 64 with
 *                H_o * W_o >= 784 (28x28 and larger), or C_in, C_out >= 128 with 196 <= H_o * W_o
 *                < 784 (14x14 up to 28x28); with select-algorithm-winograd whenever C_in, C_out >=
 *                16. Codegen picks the tile (WinogradConvKernel.h): F(4x4,3x3) (4x fewer
 *                multiplies) from 28x28 up, F(2x2,3x3) (2.25x) below. Single-layer libraries
 *                (bias+relu fused, bench/winograd's layers, `cnnc bench --runs 15`, min, 3 rounds
 *                alternating direct / F(2,3) / F(4,3), 2-core AVX-512 machine at load average
 *                5.5-7.3, so only large gaps count), ms:
 *                  ResNet-50  64@56   1.42 / 2.02 / 1.54   1.94 / 1.98 / 1.51   1.93 / 1.98 / 1.59
 *                             128@28  1.61 / 1.26 / 0.77   1.62 / 1.28 / 0.78   1.61 / 1.28 / 0.79
 *                             256@14  1.51 / 0.89 / 0.91   1.50 / 0.90 / 0.96   1.49 / 0.73 / 0.97
 *                             512@7   1.69 / 1.46 / 2.05   1.67 / 0.98 / 1.99   1.70 / 1.50 / 2.82
 *                  VGG-16     64@224  100 / 92 / 84        112 / 126 / 103      124 / 119 / 94
 *                             128@112 91 / 73 / 79         96 / 76 / 66         86 / 71 / 76
 *                             256@56  67 / 55 / 46         56 / 58 / 41         57 / 46 / 34
 *                             512@28  40 / 24 / 18         43 / 25 / 22         65 / 28 / 16
 *                             512@14  6.2 / 4.1 / 5.8      6.3 / 5.1 / 7.6      12 / 8.9 / 10
 *                F(4,3)'s smaller transformed input (2.25x the input's size, F(2,3)'s 4x) is what
 *                turns the large layers that F(2,3) lost or tied (an earlier run: 256@56 303 ->
 *                321 ms) into wins. 512@7 stays direct: F(2,3) won two rounds of three here but
 *                lost in the earlier run, where its 16 MB of transformed weights dominated.
 *                Rounding: F(4,3) single layers 6e-6..1.2e-5 of the output's scale (F(2,3)
 *                3e-7..8e-7); whole models at 224 px against the reference interpreter: ResNet-50
 *                1.2e-6 (direct kernels 1.5e-6), VGG-16 2.8e-6 (2.3e-6), within the 1e-4 model
 *                tolerance.
 *   im2col-gemm  k x k, g == 1, H_o * W_o <= 16 and C_in * kh * kw >= 1024: a window copy feeding
 *                the blocked GEMM. On outputs this small the direct kernel's pixel tiles, cut by
 *                rows of at most 4 pixels, are too short to amortise the weight loads, while the
 *                GEMM tiles run across rows; from 7x7 up the direct kernel is as fast or faster
 *                and needs no copy (measured below).
 *   direct       everything else: k x k convolutions (also grouped ones, 1 < g < C_in, and
 *                1x1 with padding), register-blocked over output channels and pixels.
 * The thresholds come from kernel-level A/B runs (both kernels compiled into one library, each
 * call timed through cnnc_run_kernel, the two alternating: 20 rounds x 3 calls, ms median / p25,
 * two runs each, on the 2-core AVX-512 build machine at load average 15-17, so medians are
 * inflated and only large gaps count; the .cnn files in bench/layers hold the layers, bias+relu fused):
 *   3x3 512->512 at 4x4     direct 1.27 / 1.09, 1.60 / 1.25   im2col 1.02 / 0.78, 1.25 / 1.00
 *   3x3 512->512 at 7x7     direct 2.46 / 2.27, 14.1 / 2.19   im2col 10.5 / 2.31, 14.2 / 2.29
 *   3x3 256->256 at 14x14   direct 1.63 / 1.33, 1.57 / 1.33   im2col 1.71 / 1.47, 1.69 / 1.51
 *   1x1/2 256->512, 28x28   direct 1.30 / 1.20, 1.36 / 1.24   strided 2.09 / 1.67, 2.02 / 1.71
 *   1x1/2 512->1024, 14x14  direct 1.57 / 1.34, 1.77 / 1.31   strided 1.46 / 1.37, 1.51 / 1.38
 *   1x1/2 1024->2048, 7x7   direct 2.04 / 1.92, 2.18 / 2.08   strided 1.93 / 1.73, 2.16 / 1.91
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
    if (one_by_one && no_pad && a.groups == 1 && a.stride == ir::Hw{1, 1}) return "gemm-1x1";
    if (one_by_one && no_pad && a.groups == 1 && y[2] * y[3] <= 196) return "strided-1x1";
    const bool winograd_shape = a.kernel == ir::Hw{3, 3} && a.stride == ir::Hw{1, 1} &&
                                a.dilation == ir::Hw{1, 1} && a.groups == 1;
    const int64_t pixels = y[2] * y[3];
    const bool winograd_by_default = (c_in >= 64 && c_out >= 64 && pixels >= 784) ||
                                     (c_in >= 128 && c_out >= 128 && pixels >= 196);
    if (winograd_shape && (options.winograd ? c_in >= 16 && c_out >= 16 : winograd_by_default)) return "winograd";
    if (!one_by_one && a.groups == 1 && y[2] * y[3] <= 16 &&
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
