// The fused output stage of conv2d and gemm in the reference interpreter:
// y = activation(conv + bias + residual), with hand-computed values. The operand layout is
// x, w, [bias], [residual], so a residual without a bias sits where a bias would.
#include "RunOp.h"

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

// A 1x1 conv from 1 to 2 channels with weights (1, -1): channel 0 copies x, channel 1 negates it.
ir::Tensor x4() { return tensor({1, 1, 2, 2}, {1, -2, 3, -4}); }
ir::Tensor w_pm() { return tensor({2, 1, 1, 1}, {1, -1}); }

ir::Conv2DAttrs conv_with(const std::string &activation, bool residual = false) {
    ir::Conv2DAttrs a;
    a.activation = activation;
    a.residual = residual;
    return a;
}

} // namespace

TEST_CASE("conv2d relu epilogue clamps after the bias is added") {
    // Channel 0: x + 1 = 2,-1,4,-3 -> 2,0,4,0. Channel 1: -x - 1 = -2,1,-4,3 -> 0,1,0,3.
    const auto y = run_one(OpKind::conv2d, conv_with("relu"),
                           {x4(), w_pm(), tensor({2}, {1, -1})});
    check_tensor(y, {1, 2, 2, 2}, {2, 0, 4, 0, 0, 1, 0, 3});
}

TEST_CASE("conv2d residual without a bias is operand 2 and is added, not used as a bias") {
    // Read as a bias, f32[1,2,2,2] would not even type-check; read as a residual it adds 10*i.
    std::vector<float> r(8);
    for (size_t i = 0; i < r.size(); ++i) r[i] = 10.0f * static_cast<float>(i);
    const auto y = run_one(OpKind::conv2d, conv_with("none", true),
                           {x4(), w_pm(), tensor({1, 2, 2, 2}, r)});
    check_tensor(y, {1, 2, 2, 2}, {1, 8, 23, 26, 39, 52, 57, 74});
}

TEST_CASE("conv2d bias, residual and relu apply in that order") {
    // Channel 0: x + 0.5 + (-3) = -1.5,-4.5,0.5,-6.5 -> 0,0,0.5,0.
    // Channel 1: -x + 0 + 2 = 1,4,-1,6 -> 1,4,0,6.
    const auto residual = tensor({1, 2, 2, 2}, {-3, -3, -3, -3, 2, 2, 2, 2});
    const auto y = run_one(OpKind::conv2d, conv_with("relu", true),
                           {x4(), w_pm(), tensor({2}, {0.5f, 0}), residual});
    check_tensor(y, {1, 2, 2, 2}, {0, 0, 0.5f, 0, 1, 4, 0, 6});
}

TEST_CASE("conv2d clip, leaky_relu and sigmoid epilogues") {
    ir::Conv2DAttrs clip = conv_with("clip");
    clip.clip_min = -1, clip.clip_max = 2;
    check_tensor(run_one(OpKind::conv2d, clip, {x4(), w_pm()}), {1, 2, 2, 2},
                 {1, -1, 2, -1, -1, 2, -1, 2});
    ir::Conv2DAttrs leaky = conv_with("leaky_relu");
    leaky.alpha = 0.25;
    check_tensor(run_one(OpKind::conv2d, leaky, {x4(), w_pm()}), {1, 2, 2, 2},
                 {1, -0.5f, 3, -1, -0.25f, 2, -0.75f, 4});
    const auto s = run_one(OpKind::conv2d, conv_with("sigmoid"), {x4(), w_pm()});
    // sigmoid(1) = 0.7310586, sigmoid(-2) = 0.1192029.
    CHECK(s.data[0] == doctest::Approx(0.7310586).epsilon(1e-6));
    CHECK(s.data[1] == doctest::Approx(0.1192029).epsilon(1e-6));
}

TEST_CASE("gemm epilogue: bias C, residual and relu6 after alpha") {
    // a = [[1, 2]], b = [[1, -1], [1, 1]] -> [3, 1]; alpha 2 -> [6, 2]; + C [1, -5] -> [7, -3];
    // + residual [[0, 4]] -> [7, 1]; clip 0..6 -> [6, 1].
    ir::GemmAttrs g;
    g.alpha = 2;
    g.activation = "clip";
    g.residual = true;
    const auto y = run_one(OpKind::gemm, g,
                           {tensor({1, 2}, {1, 2}), tensor({2, 2}, {1, -1, 1, 1}),
                            tensor({2}, {1, -5}), tensor({1, 2}, {0, 4})});
    check_tensor(y, {1, 2}, {6, 1});
    ir::GemmAttrs leaky;
    leaky.activation = "leaky_relu";
    leaky.leaky_alpha = 0.5;
    leaky.residual = true;
    // No C: the residual is operand 2. [3, 1] + [[-5, 0]] -> [-2, 1] -> [-1, 1].
    check_tensor(run_one(OpKind::gemm, leaky,
                         {tensor({1, 2}, {1, 2}), tensor({2, 2}, {1, -1, 1, 1}),
                          tensor({1, 2}, {-5, 0})}),
                 {1, 2}, {-1, 1});
}
