// select-algorithm: the documented rule, case by case, on shapes that sit on each boundary.
#include "passes/Passes.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;
using testing::ConvShape;

namespace {
// The algorithm chosen for one conv on an f32[1,c,hw,hw] input.
std::string algorithm_for(int64_t c, int64_t hw, ConvShape s, bool winograd = false) {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, c, hw, hw}});
    g.set_outputs({testing::conv(g, x, "y", s)});
    passes::SelectAlgorithmOptions options;
    options.winograd = winograd;
    const Graph out = passes::select_algorithm(g, options);
    return testing::producer(out, "y").attr<Conv2DAttrs>().algorithm;
}
} // namespace

TEST_CASE("select-algorithm: 1x1 convs") {
    CHECK(algorithm_for(64, 8, {128, 1}) == "gemm-1x1");
    CHECK(algorithm_for(64, 8, {128, 1, 2}) == "strided-1x1");
    CHECK(algorithm_for(64, 28, {128, 1, 2}) == "strided-1x1"); // 196 px
    CHECK(algorithm_for(64, 30, {128, 1, 2}) == "direct");      // 225 px: direct's row strips win
    CHECK(algorithm_for(64, 8, {128, 1, 1, 1}) == "direct");     // padded 1x1
    CHECK(algorithm_for(64, 8, {128, 1, 1, 0, 4}) == "direct");  // grouped 1x1
}

TEST_CASE("select-algorithm: depthwise, with and without a channel multiplier") {
    CHECK(algorithm_for(32, 8, {32, 3, 1, 1, 32}) == "depthwise");
    CHECK(algorithm_for(32, 8, {64, 3, 2, 1, 32}) == "depthwise");
    CHECK(algorithm_for(32, 8, {32, 3, 1, 1, 8}) == "direct"); // grouped, not depthwise
}

TEST_CASE("select-algorithm: im2col-gemm only for few output pixels and a long reduction") {
    CHECK(algorithm_for(128, 4, {128, 3, 1, 1}) == "im2col-gemm"); // 16 px, K = 1152
    CHECK(algorithm_for(128, 5, {128, 3, 1, 1}) == "direct");      // 25 px
    CHECK(algorithm_for(512, 7, {512, 3, 1, 1}) == "direct");      // ResNet-50's 7x7: a tie, no copy
    CHECK(algorithm_for(64, 4, {64, 3, 1, 1}) == "direct");         // K = 576
    CHECK(algorithm_for(3, 32, {64, 7, 2, 3}) == "direct");         // a stem
}

TEST_CASE("select-algorithm: winograd everywhere with 16+ channels when enabled, only 3x3 stride 1") {
    CHECK(algorithm_for(64, 20, {64, 3, 1, 1}) == "direct"); // by default, 64 channels need 28x28
    CHECK(algorithm_for(64, 20, {64, 3, 1, 1}, true) == "winograd");
    CHECK(algorithm_for(64, 32, {64, 3, 1, 1}, true) == "winograd");
    CHECK(algorithm_for(64, 32, {64, 3, 2, 1}, true) == "direct");
    CHECK(algorithm_for(8, 32, {8, 3, 1, 1}, true) == "direct"); // too few channels
    CHECK(algorithm_for(64, 32, {64, 1}, true) == "gemm-1x1");
}

TEST_CASE("select-algorithm changes nothing but the annotation") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 6, 6}});
    const ValueId a = testing::conv(g, x, "a", {8, 1, 1, 0, 1, true});
    g.set_outputs({testing::conv(g, a, "b", {8, 3, 1, 1, 8})});
    const Graph out = passes::select_algorithm(g);
    CHECK(out.ops().size() == g.ops().size());
    CHECK(testing::producer(out, "a").attr<Conv2DAttrs>().algorithm == "gemm-1x1");
    CHECK(testing::producer(out, "b").attr<Conv2DAttrs>().algorithm == "depthwise");
    testing::check_same_outputs(g, out, 0.0);
}
