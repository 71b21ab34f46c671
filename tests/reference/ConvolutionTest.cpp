// conv2d and conv_transpose of the reference interpreter against hand-computed values. Most cases
// convolve x = 1x1x4x4 holding 1..16, i.e. x(i, j) = 4i + j + 1:
//    1  2  3  4
//    5  6  7  8
//    9 10 11 12
//   13 14 15 16
#include "RunOp.h"

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

ir::Conv2DAttrs conv(ir::Hw kernel, ir::Hw stride = {1, 1}, ir::Pads pad = {0, 0, 0, 0},
                     ir::Hw dilation = {1, 1}, int64_t groups = 1) {
    ir::Conv2DAttrs a;
    a.kernel = kernel, a.stride = stride, a.pad = pad, a.dilation = dilation, a.groups = groups;
    return a;
}

ir::Tensor w1234() {
    return tensor({1, 1, 2, 2}, {1, 2, 3, 4});
}

} // namespace

TEST_CASE("conv2d 2x2 is a cross-correlation, not a flipped convolution") {
    // y(i,j) = 1x(i,j) + 2x(i,j+1) + 3x(i+1,j) + 4x(i+1,j+1) = 10x(i,j) + 2 + 12 + 20.
    // (A flipped kernel would give 10x(i,j) + 16.)
    const auto y = run_one(OpKind::conv2d, conv({2, 2}), {iota({1, 1, 4, 4}), w1234()});
    check_tensor(y, {1, 1, 3, 3}, {44, 54, 64, 84, 94, 104, 124, 134, 144});
}

TEST_CASE("conv2d 3x3 with padding 1 sums each zero-padded neighbourhood") {
    // Corner (0,0): 1+2+5+6 = 14; edge (0,1): 1+2+3+5+6+7 = 24; centre (1,1): 1+2+3+5+6+7+9+10+11.
    const auto ones = tensor({1, 1, 3, 3}, std::vector<float>(9, 1));
    const auto y =
        run_one(OpKind::conv2d, conv({3, 3}, {1, 1}, {1, 1, 1, 1}), {iota({1, 1, 4, 4}), ones});
    check_tensor(y, {1, 1, 4, 4}, {14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54});
}

TEST_CASE("conv2d stride 2 keeps every other window") {
    // Output floor((4 + 2 - 3) / 2) + 1 = 2; the windows centred on (0,0), (0,2), (2,0), (2,2) of
    // the previous case.
    const auto ones = tensor({1, 1, 3, 3}, std::vector<float>(9, 1));
    const auto y =
        run_one(OpKind::conv2d, conv({3, 3}, {2, 2}, {1, 1, 1, 1}), {iota({1, 1, 4, 4}), ones});
    check_tensor(y, {1, 1, 2, 2}, {14, 30, 57, 99});
}

TEST_CASE("conv2d dilation 2 spreads the taps") {
    // Extent 3, output 2x2: y(i,j) = x(i,j) + 2x(i,j+2) + 3x(i+2,j) + 4x(i+2,j+2)
    //                             = 10x(i,j) + 2*2 + 3*8 + 4*10 = 10x(i,j) + 68.
    const auto y = run_one(OpKind::conv2d, conv({2, 2}, {1, 1}, {0, 0, 0, 0}, {2, 2}),
                           {iota({1, 1, 4, 4}), w1234()});
    check_tensor(y, {1, 1, 2, 2}, {78, 88, 118, 128});
}

TEST_CASE("conv2d asymmetric pads: top 1, left 0, bottom 0, right 2") {
    // Output (4+1+0-2+1) x (4+0+2-2+1) = 4x5; y(i,j) = sum w(a,b) x(i+a-1, j+b), zero outside.
    // Row 0 sees the top pad: 3x(0,j) + 4x(0,j+1), e.g. 3*1 + 4*2 = 11.
    // Column 3 sees the right pad: 1x(i-1,3) + 3x(i,3), e.g. row 1: 4 + 24 = 28.
    // Column 4 lies wholly in the right pad: 0.
    const auto y =
        run_one(OpKind::conv2d, conv({2, 2}, {1, 1}, {1, 0, 0, 2}), {iota({1, 1, 4, 4}), w1234()});
    check_tensor(y, {1, 1, 4, 5},
                 {11, 18, 25, 12, 0, 44, 54, 64, 28, 0, 84, 94, 104, 44, 0, 124, 134, 144, 60, 0});
}

TEST_CASE("conv2d bias is added per output channel") {
    // 1x1 conv, two output channels: y0 = 2x + 1, y1 = -x + 100 on x = [1,2,3,4].
    const auto y =
        run_one(OpKind::conv2d, conv({1, 1}),
                {iota({1, 1, 2, 2}), tensor({2, 1, 1, 1}, {2, -1}), tensor({2}, {1, 100})});
    check_tensor(y, {1, 2, 2, 2}, {3, 5, 7, 9, 99, 98, 97, 96});
}

TEST_CASE("conv2d sums over input channels and batches independently") {
    // x: n=0 has channels [1,2] and [3,4], n=1 has [5,6] and [7,8]; y = x_c0 + 10 x_c1.
    const auto y =
        run_one(OpKind::conv2d, conv({1, 1}), {iota({2, 2, 1, 2}), tensor({1, 2, 1, 1}, {1, 10})});
    check_tensor(y, {2, 1, 1, 2}, {31, 42, 75, 86});
}

TEST_CASE("conv2d groups=2 keeps the groups apart") {
    // 4 input channels x0=[1,2], x1=[3,4], x2=[5,6], x3=[7,8]; 2 output channels, one per group:
    // y0 = 1 x0 + 10 x1 = [31, 42]; y1 = 100 x2 + 1000 x3 = [7500, 8600].
    const auto y = run_one(OpKind::conv2d, conv({1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 2),
                           {iota({1, 4, 1, 2}), tensor({2, 2, 1, 1}, {1, 10, 100, 1000})});
    check_tensor(y, {1, 2, 1, 2}, {31, 42, 7500, 8600});
}

TEST_CASE("conv2d depthwise (groups = channels) with bias") {
    // x channel 0 = 1..9, channel 1 = 10..18, each 3x3.
    // Channel 0 kernel [[1,0],[0,1]]: y0(i,j) = x0(i,j) + x0(i+1,j+1) + 0.5 = 1+5.5, 2+6.5, ...
    // Channel 1 kernel [[2,0],[0,0]]: y1(i,j) = 2 x1(i,j) - 1 = 2*10-1, 2*11-1, 2*13-1, 2*14-1.
    const auto y = run_one(OpKind::conv2d, conv({2, 2}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 2),
                           {iota({1, 2, 3, 3}), tensor({2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 0}),
                            tensor({2}, {0.5f, -1})});
    check_tensor(y, {1, 2, 2, 2}, {6.5f, 8.5f, 12.5f, 14.5f, 19, 21, 25, 27});
}

TEST_CASE("conv2d stride 2 with dilation and padding together") {
    // Kernel [[1,2],[3,4]], dilation 2 (extent 3), pad 1, stride 2: output floor((4+2-3)/2)+1 = 2.
    // Output row 0 reads rows {-1, 1}, row 1 reads rows {1, 3}; the same for columns.
    // (0,0): 4 x(1,1) = 24               (0,1): 3 x(1,1) + 4 x(1,3) = 18 + 32 = 50
    // (1,0): 2 x(1,1) + 4 x(3,1) = 12 + 56  (1,1): x(1,1) + 2 x(1,3) + 3 x(3,1) + 4 x(3,3)
    //                                            = 6 + 16 + 42 + 64 = 128
    const auto y = run_one(OpKind::conv2d, conv({2, 2}, {2, 2}, {1, 1, 1, 1}, {2, 2}),
                           {iota({1, 1, 4, 4}), w1234()});
    check_tensor(y, {1, 1, 2, 2}, {24, 50, 68, 128});
}

TEST_CASE("conv_transpose stride 2 with output_padding and bias") {
    // Each input pixel stamps x * [[1,10],[100,1000]] onto its own 2x2 block (stride = kernel,
    // so no overlap); output_padding 1 adds a last row and column that only get the bias 0.5.
    ir::ConvTransposeAttrs a;
    a.kernel = {2, 2}, a.stride = {2, 2}, a.output_padding = {1, 1};
    const auto y = run_one(
        OpKind::conv_transpose, a,
        {iota({1, 1, 2, 2}), tensor({1, 1, 2, 2}, {1, 10, 100, 1000}), tensor({1}, {0.5f})});
    check_tensor(y, {1, 1, 5, 5}, {1.5f,   10.5f,   2.5f,   20.5f,   0.5f, //
                                   100.5f, 1000.5f, 200.5f, 2000.5f, 0.5f, //
                                   3.5f,   30.5f,   4.5f,   40.5f,   0.5f, //
                                   300.5f, 3000.5f, 400.5f, 4000.5f, 0.5f, //
                                   0.5f,   0.5f,    0.5f,   0.5f,    0.5f});
}

TEST_CASE("conv_transpose stride 1 overlaps, and pads crop the result") {
    // x = [[1,2],[3,4]], 2x2 ones kernel: every pixel adds itself to a 2x2 block, so
    // y = [[1, 1+2, 2], [1+3, 1+2+3+4, 2+4], [3, 3+4, 4]].
    ir::ConvTransposeAttrs a;
    a.kernel = {2, 2};
    const auto ones = tensor({1, 1, 2, 2}, {1, 1, 1, 1});
    const auto y = run_one(OpKind::conv_transpose, a, {iota({1, 1, 2, 2}), ones});
    check_tensor(y, {1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4});
    // pad top 1, left 1 removes the first row and column: 1 + 1 + 2 - 1 = 2 rows.
    a.pad = {1, 1, 0, 0};
    const auto cropped = run_one(OpKind::conv_transpose, a, {iota({1, 1, 2, 2}), ones});
    check_tensor(cropped, {1, 1, 2, 2}, {10, 6, 7, 4});
}

TEST_CASE("conv_transpose groups=2 with dilation 2") {
    // Weights [C_in=2, C_out/groups=1, 1, 2]: channel 0 taps [1, 10], channel 1 taps [100, 1000];
    // dilation 2 puts tap 1 two columns right: width (2-1) + (2-1)*2 + 1 = 4.
    // y0: x0 = [1,2] -> col0 += 1, col2 += 10, col1 += 2, col3 += 20 = [1, 2, 10, 20].
    // y1: x1 = [3,4] -> [300, 400, 3000, 4000]. Without groups y0 would mix in x1.
    ir::ConvTransposeAttrs a;
    a.kernel = {1, 2}, a.dilation = {1, 2}, a.groups = 2;
    const auto y = run_one(OpKind::conv_transpose, a,
                           {iota({1, 2, 1, 2}), tensor({2, 1, 1, 2}, {1, 10, 100, 1000})});
    check_tensor(y, {1, 2, 1, 4}, {1, 2, 10, 20, 300, 400, 3000, 4000});
}

TEST_CASE("conv_transpose sums over input channels into several output channels") {
    // C_in = 2, C_out = 2, 1x1 kernel: y_o = sum_c w[c][o] x_c with w = [[1,2],[3,4]] ([c][o]),
    // x0 = [1,2], x1 = [3,4]: y0 = 1 x0 + 3 x1 = [10, 14]; y1 = 2 x0 + 4 x1 = [14, 20].
    ir::ConvTransposeAttrs a;
    const auto y = run_one(OpKind::conv_transpose, a,
                           {iota({1, 2, 1, 2}), tensor({2, 2, 1, 1}, {1, 2, 3, 4})});
    check_tensor(y, {1, 2, 1, 2}, {10, 14, 14, 20});
}

// The kernels compute each tap's valid output range up front instead of testing every position;
// check that bookkeeping against the definition, written the slow way with a bounds test per tap,
// over every combination of kernel, stride, dilation and asymmetric padding on a 5x6 input.
TEST_CASE("conv2d and conv_transpose match their definitions over a grid of geometries") {
    const auto x = iota({1, 2, 5, 6}, -20); // signed values, so sums can cancel
    int cases = 0;
    for (int64_t k = 1; k <= 3; ++k)
        for (int64_t s = 1; s <= 3; ++s)
            for (int64_t d = 1; d <= 2; ++d)
                for (int64_t pt : {0, 2})
                    for (int64_t pr : {0, 1}) {
                        INFO("k=", k, " s=", s, " d=", d, " pt=", pt, " pr=", pr);
                        auto w = iota({2, 2, k, k}, -3);
                        ir::Conv2DAttrs a = conv({k, k}, {s, s}, {pt, 0, 0, pr}, {d, d});
                        const auto y = run_one(OpKind::conv2d, a, {x, w});
                        const int64_t oh = y.dims()[2], ow = y.dims()[3];
                        for (int64_t o = 0; o < 2; ++o)
                            for (int64_t i = 0; i < oh; ++i)
                                for (int64_t j = 0; j < ow; ++j) {
                                    double sum = 0;
                                    for (int64_t c = 0; c < 2; ++c)
                                        for (int64_t u = 0; u < k; ++u)
                                            for (int64_t v = 0; v < k; ++v) {
                                                const int64_t r = i * s + u * d - pt;
                                                const int64_t q = j * s + v * d;
                                                if (r < 0 || r >= 5 || q < 0 || q >= 6)
                                                    continue;
                                                sum += w.data[((o * 2 + c) * k + u) * k + v] *
                                                       x.data[(c * 5 + r) * 6 + q];
                                            }
                                    CHECK(y.data[(o * oh + i) * ow + j] == doctest::Approx(sum));
                                }

                        ir::ConvTransposeAttrs t;
                        t.kernel = {k, k}, t.stride = {s, s}, t.dilation = {d, d};
                        t.pad = {pt, 0, 0, pr};
                        t.output_padding = {s > 1 ? 1 : 0, 0};
                        const int64_t th = s * 4 + t.output_padding[0] + (k - 1) * d + 1 - pt;
                        const int64_t tw = s * 5 + (k - 1) * d + 1 - pr;
                        if (th < 1 || tw < 1)
                            continue;
                        const auto z = run_one(OpKind::conv_transpose, t, {x, w});
                        REQUIRE(z.dims() == ir::Dims{1, 2, th, tw});
                        std::vector<double> expected(static_cast<size_t>(2 * th * tw), 0.0);
                        for (int64_t c = 0; c < 2; ++c)
                            for (int64_t o = 0; o < 2; ++o)
                                for (int64_t r = 0; r < 5; ++r)
                                    for (int64_t q = 0; q < 6; ++q)
                                        for (int64_t u = 0; u < k; ++u)
                                            for (int64_t v = 0; v < k; ++v) {
                                                const int64_t i = r * s + u * d - pt;
                                                const int64_t j = q * s + v * d;
                                                if (i < 0 || i >= th || j < 0 || j >= tw)
                                                    continue;
                                                expected[static_cast<size_t>((o * th + i) * tw +
                                                                             j)] +=
                                                    w.data[((c * 2 + o) * k + u) * k + v] *
                                                    x.data[(c * 5 + r) * 6 + q];
                                            }
                        for (size_t e = 0; e < expected.size(); ++e)
                            CHECK(z.data[e] == doctest::Approx(expected[e]));
                        ++cases;
                    }
    CHECK(cases > 60);
}
