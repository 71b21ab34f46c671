// Activations and broadcasting arithmetic of the reference interpreter, against hand-computed
// values.
#include "RunOp.h"

#include <cmath>
#include <limits>

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::OpKind;

TEST_CASE("relu zeroes negatives and keeps the rest") {
    const auto y = run_one(OpKind::relu, ir::NoAttrs{}, {tensor({5}, {-2, -0.5f, 0, 3, 1e-3f})});
    check_tensor(y, {5}, {0, 0, 0, 3, 1e-3f});
}

TEST_CASE("relu propagates NaN") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const auto y = run_one(OpKind::relu, ir::NoAttrs{}, {tensor({2}, {nan, -1})});
    CHECK(std::isnan(y.data[0]));
    CHECK(y.data[1] == 0);
}

TEST_CASE("clip bounds to [min, max], the default is relu6") {
    const auto y =
        run_one(OpKind::clip, ir::ClipAttrs{-1, 2}, {tensor({2, 3}, {-3, -1, 0.5f, 2, 5, 1.25f})});
    check_tensor(y, {2, 3}, {-1, -1, 0.5f, 2, 2, 1.25f});
    const auto relu6 = run_one(OpKind::clip, ir::ClipAttrs{}, {tensor({4}, {-1, 3, 6, 7})});
    check_tensor(relu6, {4}, {0, 3, 6, 6});
}

TEST_CASE("leaky_relu scales negatives by alpha") {
    const auto y =
        run_one(OpKind::leaky_relu, ir::LeakyReluAttrs{0.1}, {tensor({4}, {-2, -0.5f, 0, 3})});
    check_tensor(y, {4}, {-0.2f, -0.05f, 0, 3});
    // default alpha 0.01
    const auto d = run_one(OpKind::leaky_relu, ir::LeakyReluAttrs{}, {tensor({1}, {-300})});
    check_tensor(d, {1}, {-3});
}

TEST_CASE("sigmoid") {
    // 1 / (1 + e^-1) = 0.7310585786; 1 / (1 + e^1) = 0.2689414214; 1 / (1 + e^-4) = 0.9820137900.
    // At 50 the result rounds to 1 in f32; at -200 it is 1.4e-87, which underflows to 0 in f32.
    const auto y = run_one(OpKind::sigmoid, ir::NoAttrs{}, {tensor({6}, {0, 1, -1, 4, 50, -200})});
    check_tensor(y, {6}, {0.5f, 0.7310585786f, 0.2689414214f, 0.9820137900f, 1.0f, 0.0f});
}

TEST_CASE("neg") {
    const auto y = run_one(OpKind::neg, ir::NoAttrs{}, {tensor({3}, {1, -2.5f, 0})});
    check_tensor(y, {3}, {-1, 2.5f, 0});
}

TEST_CASE("add, sub, mul, div on equal shapes") {
    const auto a = tensor({2, 2}, {1, 2, 3, 4}), b = tensor({2, 2}, {8, 4, 2, -1});
    check_tensor(run_one(OpKind::add, ir::NoAttrs{}, {a, b}), {2, 2}, {9, 6, 5, 3});
    check_tensor(run_one(OpKind::sub, ir::NoAttrs{}, {a, b}), {2, 2}, {-7, -2, 1, 5});
    check_tensor(run_one(OpKind::mul, ir::NoAttrs{}, {a, b}), {2, 2}, {8, 8, 6, -4});
    check_tensor(run_one(OpKind::div, ir::NoAttrs{}, {a, b}), {2, 2}, {0.125f, 0.5f, 1.5f, -4});
}

TEST_CASE("broadcast [2,3] with [3], both operand orders") {
    const auto m = iota({2, 3}), v = tensor({3}, {10, 20, 30});
    // [[1,2,3],[4,5,6]] + [10,20,30] row by row
    check_tensor(run_one(OpKind::add, ir::NoAttrs{}, {m, v}), {2, 3}, {11, 22, 33, 14, 25, 36});
    // [10,20,30] - each row
    check_tensor(run_one(OpKind::sub, ir::NoAttrs{}, {v, m}), {2, 3}, {9, 18, 27, 6, 15, 24});
    // each row / [10,20,30]
    check_tensor(run_one(OpKind::div, ir::NoAttrs{}, {m, v}), {2, 3},
                 {0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f});
}

TEST_CASE("broadcast both ways: [3,1] + [1,4] -> [3,4]") {
    const auto col = tensor({3, 1}, {0, 10, 20}), row = tensor({1, 4}, {1, 2, 3, 4});
    check_tensor(run_one(OpKind::add, ir::NoAttrs{}, {col, row}), {3, 4},
                 {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24});
}

TEST_CASE("broadcast a per-channel [1,3,1,1] against [2,3,4,4]") {
    const auto scale = tensor({1, 3, 1, 1}, {1, 2, -3});
    const auto x = iota({2, 3, 4, 4}); // x[n,c,h,w] = 48n + 16c + 4h + w + 1
    const auto y = run_one(OpKind::mul, ir::NoAttrs{}, {scale, x});
    REQUIRE(y.dims() == ir::Dims{2, 3, 4, 4});
    // Spot values: [0,0,0,0] = 1*1; [0,1,0,0] = 17*2; [0,2,3,3] = 48*-3; [1,1,2,1] =
    // (48+16+8+1+1)*2 = 74*2.
    CHECK(y.data[0] == 1);
    CHECK(y.data[16] == 34);
    CHECK(y.data[47] == -144);
    CHECK(y.data[48 + 16 + 8 + 1] == 148);
    for (int64_t i = 0; i < y.size(); ++i) {
        const int64_t c = (i / 16) % 3;
        INFO("element ", i);
        CHECK(y.data[i] == static_cast<float>(i + 1) * scale.data[c]);
    }
}

TEST_CASE("broadcast a scalar") {
    const auto x = tensor({2, 2}, {1, 2, 3, 4}), two = tensor({}, {2});
    check_tensor(run_one(OpKind::div, ir::NoAttrs{}, {x, two}), {2, 2}, {0.5f, 1, 1.5f, 2});
    check_tensor(run_one(OpKind::sub, ir::NoAttrs{}, {two, x}), {2, 2}, {1, 0, -1, -2});
    // scalar op scalar stays a scalar
    check_tensor(run_one(OpKind::mul, ir::NoAttrs{}, {two, tensor({}, {-4})}), {}, {-8});
}

TEST_CASE("division by zero follows IEEE") {
    const auto y = run_one(OpKind::div, ir::NoAttrs{}, {tensor({2}, {1, -1}), tensor({}, {0})});
    CHECK(y.data[0] == std::numeric_limits<float>::infinity());
    CHECK(y.data[1] == -std::numeric_limits<float>::infinity());
}
