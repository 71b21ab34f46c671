// select-algorithm's default Winograd rule (passes/SelectAlgorithm.cpp): 3x3 stride-1 convs with
// >= 128 channels on 14x14 to 28x28 outputs, where F(2,3) measured faster than the direct kernel;
// everything around that boundary stays as it was.
#include "passes/Passes.h"
#include "PassGraphs.h"
#include "PassTestUtil.h"

using namespace cnnc;
using namespace cnnc::ir;
using testing::ConvShape;

namespace {
std::string default_algorithm(int64_t c_in, int64_t hw, ConvShape s) {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, c_in, hw, hw}});
    g.set_outputs({testing::conv(g, x, "y", s)});
    return testing::producer(passes::select_algorithm(g), "y").attr<Conv2DAttrs>().algorithm;
}
} // namespace

TEST_CASE("select-algorithm: winograd by default where it measured faster") {
    CHECK(default_algorithm(128, 28, {128, 3, 1, 1}) == "winograd"); // ResNet-50 stage 2
    CHECK(default_algorithm(256, 14, {256, 3, 1, 1}) == "winograd"); // stage 3
    CHECK(default_algorithm(512, 28, {512, 3, 1, 1}) == "winograd"); // VGG-16 conv4
    CHECK(default_algorithm(512, 14, {512, 3, 1, 1}) == "winograd"); // VGG-16 conv5
}

TEST_CASE("select-algorithm: no default winograd outside the measured range") {
    CHECK(default_algorithm(512, 7, {512, 3, 1, 1}) != "winograd");   // transformed weights dominate
    CHECK(default_algorithm(64, 56, {64, 3, 1, 1}) != "winograd");    // a tie
    CHECK(default_algorithm(256, 56, {256, 3, 1, 1}) != "winograd");  // transformed input dominates
    CHECK(default_algorithm(128, 13, {128, 3, 1, 1}) != "winograd");  // 169 px
    CHECK(default_algorithm(128, 28, {64, 3, 1, 1}) != "winograd");   // C_out < 128
    CHECK(default_algorithm(128, 28, {128, 3, 2, 1}) != "winograd");  // stride 2
    CHECK(default_algorithm(128, 28, {128, 3, 1, 1, 2}) != "winograd"); // grouped
}
