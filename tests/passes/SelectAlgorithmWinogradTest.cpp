// select-algorithm's default Winograd rule (passes/SelectAlgorithm.cpp): 3x3 stride-1 convs with
// >= 64 channels on outputs of 28x28 and up (where codegen runs F(4,3)), or >= 128 channels on
// 14x14 to 28x28 (F(2,3)), where they measured faster than the direct kernel; everything around
// that boundary stays direct.
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
    CHECK(default_algorithm(64, 56, {64, 3, 1, 1}) == "winograd");   // ResNet-50 stage 1 (F(4,3))
    CHECK(default_algorithm(128, 28, {128, 3, 1, 1}) == "winograd"); // stage 2 (F(4,3))
    CHECK(default_algorithm(256, 14, {256, 3, 1, 1}) == "winograd"); // stage 3 (F(2,3))
    CHECK(default_algorithm(64, 224, {64, 3, 1, 1}) == "winograd");  // VGG-16 conv1_2
    CHECK(default_algorithm(256, 56, {256, 3, 1, 1}) == "winograd"); // VGG-16 conv3
    CHECK(default_algorithm(512, 28, {512, 3, 1, 1}) == "winograd"); // VGG-16 conv4
    CHECK(default_algorithm(512, 14, {512, 3, 1, 1}) == "winograd"); // VGG-16 conv5
    CHECK(default_algorithm(96, 28, {128, 3, 1, 1}) == "winograd");  // GoogLeNet inception3a
}

TEST_CASE("select-algorithm: no default winograd outside the measured range") {
    CHECK(default_algorithm(512, 7, {512, 3, 1, 1}) != "winograd");   // transformed weights dominate
    CHECK(default_algorithm(64, 14, {64, 3, 1, 1}) != "winograd");    // 64 channels below 28x28
    CHECK(default_algorithm(128, 13, {128, 3, 1, 1}) != "winograd");  // 169 px
    CHECK(default_algorithm(128, 56, {32, 3, 1, 1}) != "winograd");   // C_out < 64 (DenseNet)
    CHECK(default_algorithm(3, 224, {64, 3, 1, 1}) != "winograd");    // C_in < 64 (a stem)
    CHECK(default_algorithm(128, 14, {96, 3, 1, 1}) != "winograd");   // C_out < 128 at 14x14
    CHECK(default_algorithm(128, 28, {128, 3, 2, 1}) != "winograd");  // stride 2
    CHECK(default_algorithm(128, 28, {128, 3, 1, 1, 2}) != "winograd"); // grouped
}
