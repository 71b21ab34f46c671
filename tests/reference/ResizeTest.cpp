// resize of the reference interpreter: nearest with each nearest mode and linear with each
// coordinate mode, on x = [[1,2],[3,4]] upscaled to 4x4 and on 1..16 downscaled to 2x2.
// Upscaling 2 -> 4 (scale 2), output index o maps to input coordinate
//   half_pixel / pytorch_half_pixel: (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
//   asymmetric:                      o / 2               =  0,    0.5,  1,    1.5
//   align_corners:                   o * (2-1) / (4-1)   =  0,    1/3,  2/3,  1
#include "RunOp.h"

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

namespace {

ir::ResizeAttrs resize(ir::Hw size, std::string mode, std::string coord,
                       std::string nearest = "round_prefer_floor", std::vector<double> scale = {}) {
    ir::ResizeAttrs a;
    a.size = size, a.mode = std::move(mode), a.coord = std::move(coord);
    a.nearest = std::move(nearest), a.scale = std::move(scale);
    return a;
}

ir::Tensor x2() {
    return tensor({1, 1, 2, 2}, {1, 2, 3, 4});
}

// The 4x4 upscale of x2 that reads input rows and columns idx[0..3] (same on both axes).
const std::vector<float> idx_0011 = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
const std::vector<float> idx_0111 = {1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4};
const std::vector<float> idx_0001 = {1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 3, 3, 3, 4};

} // namespace

TEST_CASE("resize nearest, asymmetric: the round modes differ on exact halves") {
    // Coordinates 0, 0.5, 1, 1.5. prefer_floor: 0,0,1,1; prefer_ceil: 0,1,1,2 -> clamped 0,1,1,1.
    // floor: 0,0,1,1; ceil: 0,1,1,2 -> 0,1,1,1.
    const auto run = [](const char *nearest) {
        return run_one(OpKind::resize, resize({4, 4}, "nearest", "asymmetric", nearest), {x2()});
    };
    check_tensor(run("round_prefer_floor"), {1, 1, 4, 4}, idx_0011);
    check_tensor(run("round_prefer_ceil"), {1, 1, 4, 4}, idx_0111);
    check_tensor(run("floor"), {1, 1, 4, 4}, idx_0011);
    check_tensor(run("ceil"), {1, 1, 4, 4}, idx_0111);
}

TEST_CASE("resize nearest, half_pixel: floor and ceil differ from rounding") {
    // Coordinates -0.25, 0.25, 0.75, 1.25. Both round modes: 0,0,1,1 (no halves).
    // floor: -1,0,0,1 -> clamped 0,0,0,1. ceil: 0,1,1,2 -> clamped 0,1,1,1.
    const auto run = [](const char *nearest) {
        return run_one(OpKind::resize, resize({4, 4}, "nearest", "half_pixel", nearest), {x2()});
    };
    check_tensor(run("round_prefer_floor"), {1, 1, 4, 4}, idx_0011);
    check_tensor(run("round_prefer_ceil"), {1, 1, 4, 4}, idx_0011);
    check_tensor(run("floor"), {1, 1, 4, 4}, idx_0001);
    check_tensor(run("ceil"), {1, 1, 4, 4}, idx_0111);
}

TEST_CASE("resize nearest, align_corners") {
    // Coordinates 0, 1/3, 2/3, 1 round to 0, 0, 1, 1.
    check_tensor(run_one(OpKind::resize, resize({4, 4}, "nearest", "align_corners"), {x2()}),
                 {1, 1, 4, 4}, idx_0011);
}

TEST_CASE("resize linear, half_pixel and pytorch_half_pixel (PyTorch bilinear)") {
    // Along a row [a, b]: -0.25 clamps to a; 0.25 -> 0.75a + 0.25b; 0.75 -> 0.25a + 0.75b;
    // 1.25 clamps to b. Row [1,2] -> 1, 1.25, 1.75, 2; rows then mix [1,..] and [3,..] the same
    // way, i.e. add 0, 0.5, 1.5, 2.
    const std::vector<float> expected = {1,    1.25f, 1.75f, 2,    1.5f, 1.75f, 2.25f, 2.5f,
                                         2.5f, 2.75f, 3.25f, 3.5f, 3,    3.25f, 3.75f, 4};
    for (const char *coord : {"half_pixel", "pytorch_half_pixel"}) {
        CAPTURE(coord);
        check_tensor(run_one(OpKind::resize, resize({4, 4}, "linear", coord), {x2()}), {1, 1, 4, 4},
                     expected);
    }
}

TEST_CASE("resize linear, align_corners") {
    // y(i, j) = 1 + j/3 + 2 i/3: the corners stay 1, 2, 3, 4.
    const float t = 1.0f / 3, u = 2.0f / 3;
    check_tensor(run_one(OpKind::resize, resize({4, 4}, "linear", "align_corners"), {x2()}),
                 {1, 1, 4, 4},
                 {1, 1 + t, 1 + u, 2, 1 + 2 * t, 1 + 3 * t, 1 + 4 * t, 1 + 5 * t, 1 + 2 * u,
                  1 + 2 * u + t, 1 + 2 * u + u, 1 + 2 * u + 1, 3, 3 + t, 3 + u, 4});
}

TEST_CASE("resize linear, asymmetric") {
    // Coordinates 0, 0.5, 1, 1.5; 1.5 reads rows 1 and 2, clamped to 1 and 1: weights t = 0, 0.5,
    // 1, 1 and y(i, j) = 1 + t_j + 2 t_i.
    check_tensor(run_one(OpKind::resize, resize({4, 4}, "linear", "asymmetric"), {x2()}),
                 {1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4});
}

TEST_CASE("resize downscale 4x4 -> 2x2") {
    // x(i,j) = 4i + j + 1, scale 0.5. half_pixel: (o + 0.5) * 2 - 0.5 = 0.5, 2.5.
    // linear: the mean of each 2x2 block: (1+2+5+6)/4 = 3.5, 5.5, 11.5, 13.5.
    check_tensor(
        run_one(OpKind::resize, resize({2, 2}, "linear", "half_pixel"), {iota({1, 1, 4, 4})}),
        {1, 1, 2, 2}, {3.5f, 5.5f, 11.5f, 13.5f});
    // nearest: 0.5 and 2.5 are halves; prefer_floor picks 0, 2 and prefer_ceil 1, 3.
    check_tensor(
        run_one(OpKind::resize, resize({2, 2}, "nearest", "half_pixel"), {iota({1, 1, 4, 4})}),
        {1, 1, 2, 2}, {1, 3, 9, 11});
    check_tensor(run_one(OpKind::resize,
                         resize({2, 2}, "nearest", "half_pixel", "round_prefer_ceil"),
                         {iota({1, 1, 4, 4})}),
                 {1, 1, 2, 2}, {6, 8, 14, 16});
    // align_corners: o * 3 / 1 = 0, 3: the corners 1, 4, 13, 16.
    check_tensor(
        run_one(OpKind::resize, resize({2, 2}, "linear", "align_corners"), {iota({1, 1, 4, 4})}),
        {1, 1, 2, 2}, {1, 4, 13, 16});
}

TEST_CASE("resize to a single pixel: pytorch_half_pixel differs from half_pixel") {
    // 2x2 -> 1x1: half_pixel maps 0 to (0.5)/0.5 - 0.5 = 0.5 on both axes: the mean 2.5.
    // pytorch_half_pixel maps to 0 when the output length is 1: x(0,0) = 1.
    check_tensor(run_one(OpKind::resize, resize({1, 1}, "linear", "half_pixel"), {x2()}),
                 {1, 1, 1, 1}, {2.5f});
    check_tensor(run_one(OpKind::resize, resize({1, 1}, "linear", "pytorch_half_pixel"), {x2()}),
                 {1, 1, 1, 1}, {1});
}

TEST_CASE("resize uses the given scale, not output / input, for the coordinate mapping") {
    // Width 3 -> 4 with scale 1.5 (what Upsample(scale 1.5) yields: floor(4.5) = 4), asymmetric:
    // coordinates o / 1.5 = 0, 2/3, 4/3, 2 over [10, 20, 30]: 10, 16.667, 23.333, 30.
    // With scale 4/3 it would be o * 0.75 = 0, 0.75, 1.5, 2.25: 10, 17.5, 25, 30.
    const auto x = tensor({1, 1, 1, 3}, {10, 20, 30});
    check_tensor(
        run_one(OpKind::resize, resize({1, 4}, "linear", "asymmetric", "floor", {1, 1.5}), {x}),
        {1, 1, 1, 4}, {10, 50.0f / 3, 70.0f / 3, 30});
    check_tensor(run_one(OpKind::resize, resize({1, 4}, "linear", "asymmetric"), {x}), {1, 1, 1, 4},
                 {10, 17.5f, 25, 30});
}

TEST_CASE("resize keeps batches and channels apart") {
    // Two planes [1,2] and [3,4] (1x2 each), nearest x2 in width (asymmetric, floor).
    check_tensor(run_one(OpKind::resize, resize({1, 4}, "nearest", "asymmetric", "floor"),
                         {iota({2, 1, 1, 2})}),
                 {2, 1, 1, 4}, {1, 1, 2, 2, 3, 3, 4, 4});
}
