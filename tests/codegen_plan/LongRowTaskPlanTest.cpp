// The cost model's task split for 1x1 convs over a long row (conv-gemm-1x1, conv-strided-1x1;
// ConvSchedules.cpp): tasks over (pixel chunks, channel blocks) run a block's chunks one after
// another and both cores take them in turn, so each core reads a block's weights from beyond L2
// once, however many chunks the row has; within a task, tiles after the first find them in L2.
// Late layers with large weights per block and few pixels (ResNet-50's 7x7 1x1s: 128 KB a block
// for 49 pixels) then take tasks of several pixel tiles, as one tile a task measured slower
// there; conv-gemm-1x1 plans row_tile as strided-1x1 does.
#include "codegen/ConvSchedules.h"
#include "tests/codegen_plan/Avx512Target.h"
#include "tests/codegen_plan/PlanShapes.h"
#include "codegen/TensorLayout.h"

#include <doctest/doctest.h>

#include <tuple>

using namespace cnnc::codegen;

namespace {

using cnnc::testing::long_row;

Schedule tile(int channel_vectors, int pixels, int row_tile) {
    return cnnc::testing::avx512_tile(channel_vectors, pixels, row_tile, 0, 4);
}

} // namespace

TEST_SUITE("codegen-plan") {
    TEST_CASE("conv-gemm-1x1 is a long row whose tasks may take several pixel tiles") {
        KernelPlan plan;
        plan.algorithm = "conv-gemm-1x1";
        plan.inputs.resize(1);
        plan.inputs[0].shape = dense_shape({512, 49, 1, 1});
        plan.output.shape = dense_shape({2048, 49, 1, 1});
        cnnc::ir::Conv2DAttrs attrs;
        const ConvShape c = conv_shape_of(attrs, plan);
        CHECK(c.pixel_chunks);
        CHECK(c.width == 49);
        CHECK(c.height == 1);
        CHECK(blocked_conv_feasible(c, tile(2, 13, 4)));
    }

    TEST_CASE("ResNet-50's 7x7 1x1 convs run tasks of several pixel tiles of a block") {
        for (auto [ci, co] : {std::pair{512, 2048}, {2048, 512}, {1024, 2048}}) {
            CAPTURE(ci);
            CAPTURE(co);
            const ConvShape c = long_row(ci, co, 49);
            const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
            CAPTURE(s.to_string());
            const int64_t tiles = (49 + s.pixel_tile - 1) / s.pixel_tile;
            CHECK(std::min<int64_t>(s.row_tile, tiles) >= 2);
        }
    }

    TEST_CASE("24 output channels run as one block of two vectors, not a full and a half-empty one") {
        // MobileNet v2's 96 -> 24 and 144 -> 24 projections at 56x56: a 32-lane block reaching
        // past the last channel is feasible and the cost model takes it (the two blocks of 16
        // lanes it replaced measured 1.4-1.6x slower in the model).
        const ConvShape c = long_row(96, 24, 3136);
        CHECK(blocked_conv_feasible(c, tile(2, 14, 1)));
        CHECK_FALSE(blocked_conv_feasible(c, tile(3, 14, 1)));
        const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
        CAPTURE(s.to_string());
        CHECK(s.vector_width * s.channel_vectors == 32);
    }

    TEST_CASE("more pixel chunks per block cost a 1x1 conv no further far weight reads") {
        // Same tiles, 16 chunks of a 3136-pixel row against 2: besides the per-task overhead
        // (0.7% here), nothing differs, where 14 more far reads of the 64 KB block would be 4%.
        const ConvShape c = long_row(256, 64, 3136);
        const double many = estimate_conv_ms(c, tile(4, 7, 1), cnnc::testing::avx512_target());
        const double few = estimate_conv_ms(c, tile(4, 7, 224), cnnc::testing::avx512_target());
        CHECK(many > few);
        CHECK(many - few < 0.01 * few);
    }

    TEST_CASE("1x1 convs whose weights overflow L2 chunk their reduction across whole tasks of 7x7 tiles") {
        // ResNet-50's 7x7 1x1s (4 MB of weights): task order 2, 32-channel chunks, every task
        // whole; its 14x14 ones (1 MB, 2 x 14 tiles) keep order 0, where chunks measured slower.
        for (auto [ci, co] : {std::pair{512, 2048}, {2048, 512}, {1024, 2048}}) {
            CAPTURE(ci);
            const ConvShape c = long_row(ci, co, 49);
            const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
            CAPTURE(s.to_string());
            CHECK(s.task_order == 2);
            CHECK(row_reduction_chunk(c, s) == 32);
            CHECK((49 + s.pixel_tile - 1) / s.pixel_tile % s.row_tile == 0);
        }
        for (auto [ci, co] : {std::pair{256, 1024}, {1024, 256}}) {
            const ConvShape c = long_row(ci, co, 196);
            const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
            CAPTURE(s.to_string());
            CHECK(s.task_order == 0);
        }
        Schedule chunked = tile(2, 7, 4);
        chunked.task_order = 2;
        const ConvShape c = long_row(512, 2048, 49);
        CHECK(row_reduction_chunk(c, chunked) == 0); // 7 tiles: a short last task
        chunked.row_tile = 7;
        CHECK(row_reduction_chunk(c, chunked) == 32);
        CHECK(blocked_conv_feasible(c, chunked));
        chunked.task_order = 0;
        CHECK(row_reduction_chunk(c, chunked) == 0);
        chunked.task_order = 2;
        CHECK(row_reduction_chunk(long_row(24, 2048, 49), chunked) == 0); // one chunk only
        chunked.channel_vectors = 4;
        chunked.pixel_tile = 14;
        chunked.row_tile = 7;
        CHECK(row_reduction_chunk(long_row(512, 2048, 196), chunked) == 0); // 98 x 64 accumulators: past L1's share
    }

    TEST_CASE("a long row's one-vector tiles are load-bound, so few output channels still take wider blocks") {
        // MobileNet v2's 960->160 and 576->160 at 7x7: 1 x 13 tiles (a broadcast load per FMA)
        // ran 17% slower than 2 x 7 in bench/long_row_tiles.cpp; at 2 loads a cycle the model
        // ranked 1 x 13 first.
        for (auto [ci, co] : {std::pair{960, 160}, {576, 160}}) {
            CAPTURE(ci);
            const ConvShape c = long_row(ci, co, 49);
            const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
            CAPTURE(s.to_string());
            CHECK(s.channel_vectors >= 2);
            CHECK(estimate_conv_ms(c, tile(1, 13, 4), cnnc::testing::avx512_target()) >
                  estimate_conv_ms(c, tile(2, 7, 7), cnnc::testing::avx512_target()));
        }
    }
}
