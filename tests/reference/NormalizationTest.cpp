// batch_norm, lrn and softmax of the reference interpreter against hand-computed values.
#include "RunOp.h"

#include <cmath>

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

// scale [2, 0.5], bias [1, -1], mean [2, 1], var [3.75, 8.75]; with epsilon 0.25 the standard
// deviations are exactly 2 and 3, so y0 = (x - 2) / 2 * 2 + 1 = x - 1 and
// y1 = (x - 1) / 3 * 0.5 - 1 = (x - 1) / 6 - 1.
std::vector<ir::Tensor> bn_operands(ir::Tensor x) {
    return {std::move(x), tensor({2}, {2, 0.5f}), tensor({2}, {1, -1}), tensor({2}, {2, 1}),
            tensor({2}, {3.75f, 8.75f})};
}

} // namespace

TEST_CASE("batch_norm normalises each channel with its own statistics") {
    // n=0: channel 0 = [1, 3] -> [0, 2]; channel 1 = [-2, 4] -> [-1.5, -0.5].
    // n=1: channel 0 = [5, -1] -> [4, -2]; channel 1 = [1, 7] -> [-1, 0].
    const auto x = tensor({2, 2, 1, 2}, {1, 3, -2, 4, 5, -1, 1, 7});
    const auto y = run_one(OpKind::batch_norm, ir::BatchNormAttrs{0.25}, bn_operands(x));
    check_tensor(y, {2, 2, 1, 2}, {0, 2, -1.5f, -0.5f, 4, -2, -1, 0});
}

TEST_CASE("batch_norm on a rank-2 [N, C] input") {
    const auto x = tensor({2, 2}, {1, -2, 3, 4});
    const auto y = run_one(OpKind::batch_norm, ir::BatchNormAttrs{0.25}, bn_operands(x));
    check_tensor(y, {2, 2}, {0, -1.5f, 2, -0.5f});
}

TEST_CASE("batch_norm uses the default epsilon 1e-5") {
    // var 1, mean 0, scale 1, bias 0: y = x / sqrt(1 + 1e-5) = x * 0.99999500004.
    const auto y = run_one(OpKind::batch_norm, ir::BatchNormAttrs{},
                           {tensor({1, 1, 1, 1}, {1000}), tensor({1}, {1}), tensor({1}, {0}),
                            tensor({1}, {0}), tensor({1}, {1})});
    check_tensor(y, {1, 1, 1, 1}, {999.995f}, 1e-7);
}

TEST_CASE("lrn with an odd size: the window is centred") {
    // Channels [1,2,3,4], size 3: square sums over {c-1, c, c+1} clipped:
    // 1+4 = 5, 1+4+9 = 14, 4+9+16 = 29, 9+16 = 25. alpha 3 (alpha/size = 1), beta 0.5, bias 1:
    // y = x / sqrt(1 + sum) = 1/sqrt(6), 2/sqrt(15), 3/sqrt(30), 4/sqrt(26).
    ir::LrnAttrs a;
    a.size = 3, a.alpha = 3, a.beta = 0.5, a.bias = 1;
    const auto y = run_one(OpKind::lrn, a, {iota({1, 4, 1, 1})});
    check_tensor(y, {1, 4, 1, 1}, {0.40824829f, 0.51639778f, 0.54772256f, 0.78446454f});
}

TEST_CASE("lrn with an even size: one channel before floor((size-1)/2), after ceil((size-1)/2)") {
    // size 2: window {c, c+1}. Channels [1,2,3,4]: sums 1+4 = 5, 4+9 = 13, 9+16 = 25, 16.
    // alpha 2 (alpha/size = 1), beta 1, bias 0: y = x / sum = 1/5, 2/13, 3/25, 4/16.
    // (A window {c-1, c} would give 1/1, 2/5, 3/13, 4/25.)
    ir::LrnAttrs a;
    a.size = 2, a.alpha = 2, a.beta = 1, a.bias = 0;
    const auto y = run_one(OpKind::lrn, a, {iota({1, 4, 1, 1})});
    check_tensor(y, {1, 4, 1, 1}, {0.2f, 2.0f / 13, 0.12f, 0.25f});
}

TEST_CASE("lrn with fractional beta, per pixel") {
    // size 5 covers both channels. Pixel 0: channels [2, -4], sum 20,
    // denominator (2 + 0.5/5 * 20)^0.75 = 4^0.75 = 2.8284271: y = [0.70710678, -1.41421356].
    // Pixel 1: channels [1, 0], sum 1, denominator 2.1^0.75: y = [1 / 2.1^0.75 = 0.57323874, 0].
    ir::LrnAttrs a;
    a.size = 5, a.alpha = 0.5, a.beta = 0.75, a.bias = 2;
    const auto y = run_one(OpKind::lrn, a, {tensor({1, 2, 1, 2}, {2, 1, -4, 0})});
    check_tensor(y, {1, 2, 1, 2}, {0.70710678f, 0.57323874f, -1.41421356f, 0});
}

TEST_CASE("softmax along the last axis (axis -1 and axis 1 agree on rank 2)") {
    // Row [1,2,3]: e^-2, e^-1, 1 over their sum 1.50321472 = 0.09003057, 0.24472847, 0.66524096.
    // Row [1,1,1]: a third each.
    const auto x = tensor({2, 3}, {1, 2, 3, 1, 1, 1});
    const std::vector<float> expected = {0.09003057f, 0.24472847f, 0.66524096f,
                                         1 / 3.0f,    1 / 3.0f,    1 / 3.0f};
    check_tensor(run_one(OpKind::softmax, ir::SoftmaxAttrs{-1}, {x}), {2, 3}, expected);
    check_tensor(run_one(OpKind::softmax, ir::SoftmaxAttrs{1}, {x}), {2, 3}, expected);
}

TEST_CASE("softmax along axis 0") {
    // Columns [1,1] -> [0.5, 0.5]; [2,1] -> [e/(e+1), 1/(e+1)] = [0.73105858, 0.26894142];
    // [3,1] -> [e^2/(e^2+1), 1/(e^2+1)] = [0.88079708, 0.11920292].
    const auto x = tensor({2, 3}, {1, 2, 3, 1, 1, 1});
    check_tensor(run_one(OpKind::softmax, ir::SoftmaxAttrs{0}, {x}), {2, 3},
                 {0.5f, 0.73105858f, 0.88079708f, 0.5f, 0.26894142f, 0.11920292f});
}

TEST_CASE("softmax over channels of NCHW subtracts the max, so large logits stay finite") {
    // Axis 1 of [1,2,1,2]. Pixel 0: channels [0, ln 3] -> [1/4, 3/4].
    // Pixel 1: channels [1000, 1000] -> [1/2, 1/2]; without the max subtraction e^1000 = inf
    // and inf/inf = NaN.
    const auto x = tensor({1, 2, 1, 2}, {0, 1000, std::log(3.0f), 1000});
    check_tensor(run_one(OpKind::softmax, ir::SoftmaxAttrs{1}, {x}), {1, 2, 1, 2},
                 {0.25f, 0.5f, 0.75f, 0.5f});
}
