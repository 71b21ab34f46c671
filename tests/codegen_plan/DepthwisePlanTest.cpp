// The cost model's depthwise tiles (depthwise_ms in codegen/ConvSchedules.cpp) on the 3x3
// depthwise shapes of MobileNet v1/v2 and ShuffleNet v2: a tile's accumulators, window of weights
// and one window row of input vectors must fit the 32 vector registers, so a 14-pixel row runs as
// two 1 x 7 tiles (one 1 x 14 tile spills), while 7-pixel rows stay one tile (no spill at stride 1
// or 2) and the 112- to 28-pixel rows keep their 1 x 4 tiles.
#include "codegen/ConvSchedules.h"
#include "tests/codegen_plan/Avx512Target.h"
#include "tests/codegen_plan/PlanShapes.h"

#include <doctest/doctest.h>

using namespace cnnc::codegen;
using cnnc::testing::depthwise_3x3;

TEST_SUITE("codegen-plan") {
    TEST_CASE("depthwise rows of 14 pixels run 1 x 7 tiles, whose inputs fit the registers with the tile") {
        // MobileNet v2's 192@28 s2, 384@14, 576@14; MobileNet v1's 256@28 s2, 512@14; ShuffleNet
        // v2's 116@28 s2, 116@14.
        for (auto [channels, stride] : {std::pair{192, 2}, {384, 1}, {576, 1}, {256, 2}, {512, 1}, {116, 2}, {116, 1}}) {
            CAPTURE(channels);
            CAPTURE(stride);
            const Schedule s = default_conv_schedule(depthwise_3x3(channels, 14, stride), cnnc::testing::avx512_target());
            CHECK(s.vector_width == 16);
            CHECK(s.channel_vectors == 1);
            CHECK(s.pixel_tile == 7);
        }
    }

    TEST_CASE("depthwise rows of 7 pixels stay one tile, and rows of 28 to 112 pixels keep 1 x 4 tiles") {
        for (auto [channels, stride] : {std::pair{960, 1}, {576, 2}, {1024, 1}, {512, 2}, {232, 1}, {232, 2}}) {
            CAPTURE(channels);
            CAPTURE(stride);
            const Schedule s = default_conv_schedule(depthwise_3x3(channels, 7, stride), cnnc::testing::avx512_target());
            CHECK(s.channel_vectors == 1);
            CHECK(s.pixel_tile == 7);
        }
        for (auto [channels, pixels, stride] : {std::tuple{32, 112, 1}, {96, 56, 2}, {144, 56, 1}, {144, 28, 2},
                                                 {192, 28, 1}, {64, 56, 2}, {128, 56, 1}, {58, 28, 1}}) {
            CAPTURE(channels);
            CAPTURE(pixels);
            CAPTURE(stride);
            const Schedule s =
                default_conv_schedule(depthwise_3x3(channels, pixels, stride), cnnc::testing::avx512_target());
            CHECK(s.channel_vectors == 1);
            CHECK(s.pixel_tile == 4);
        }
    }

    TEST_CASE("with 16 vector registers (AVX2) the depthwise tiles keep the count without the input row") {
        // The input row was measured to spill with 32 registers only; with 16 a 3x3 window's
        // weights nearly fill them already, and counting the row would push every tile to 1 x 2.
        TargetInfo avx2;
        avx2.halide_target = "x86-64-linux-avx2-fma";
        avx2.vector_width = 8;
        for (auto [channels, pixels, stride] : {std::tuple{32, 112, 1}, {144, 56, 1}, {144, 28, 2}, {192, 28, 1}}) {
            CAPTURE(channels);
            CAPTURE(pixels);
            const Schedule s = default_conv_schedule(depthwise_3x3(channels, pixels, stride), avx2);
            CHECK(s.vector_width == 8);
            CHECK(s.pixel_tile == 4);
        }
    }

    TEST_CASE("the register count of a depthwise tile includes a window row of its input vectors") {
        // 1 x 14 at stride 1 holds 14 accumulators, 9 weights and 16 inputs: past 32 registers it
        // costs more per pixel than 1 x 7, which holds 7 + 9 + 9.
        const ConvShape c = depthwise_3x3(384, 14, 1);
        Schedule wide, half;
        wide.vector_width = half.vector_width = 16;
        wide.channel_vectors = half.channel_vectors = 1;
        wide.row_tile = half.row_tile = 7;
        wide.parallel = half.parallel = true;
        wide.pixel_tile = 14;
        half.pixel_tile = 7;
        const auto target = cnnc::testing::avx512_target();
        CHECK(estimate_conv_ms(c, half, target) < estimate_conv_ms(c, wide, target));
    }
}
