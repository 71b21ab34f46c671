// The cost model's choice for k x k direct convs (ConvSchedules.h, strip_reduction_chunk): late
// layers whose weights do not stay in L2 (ResNet-50's 3x3 512 -> 512, 9.4 MB) take task order 2,
// whose strips reduce in L1-sized chunks of input channels across their tiles, so that the far
// weight stream is spread over the strip's FMAs instead of stalling its first tile; order 2 is
// never planned where it has no two chunks (1x1 long rows, grouped convs, 3-channel stems).
#include "codegen/ConvSchedules.h"
#include "tests/codegen_plan/Avx512Target.h"
#include "tests/codegen_plan/PlanShapes.h"

#include <doctest/doctest.h>

using namespace cnnc::codegen;

namespace {

ConvShape rows(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
               int64_t size) {
    return cnnc::testing::square_conv(in_channels, out_channels, kernel, stride, size, true);
}

Schedule tile(int channel_vectors, int pixels, int row_tile, int task_order) {
    return cnnc::testing::avx512_tile(channel_vectors, pixels, row_tile, task_order, 1);
}

} // namespace

TEST_SUITE("codegen-plan") {
    TEST_CASE("3x3 convs whose weights overflow L2 reduce in chunks across their strips' tiles") {
        // ResNet-50's layer4: 512 -> 512 at 7x7, and its stride-2 entry from 14x14.
        for (int64_t stride : {1, 2}) {
            CAPTURE(stride);
            const ConvShape c = rows(512, 512, 3, stride, 7);
            const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
            CAPTURE(s.to_string());
            CHECK(s.task_order == 2);
            const int chunk = strip_reduction_chunk(c, s);
            const int64_t lanes = int64_t{s.vector_width} * s.channel_vectors;
            CHECK(chunk >= 4);
            CHECK(512 % chunk == 0);
            CHECK(chunk * 9 * lanes * 4 <= 24 * 1024);
        }
    }

    TEST_CASE("Task order 2 has chunks only for k x k convs in one group with two chunks or more") {
        // 512 channels of 3x3 in 32-lane blocks: 16-channel chunks (18 KB of weights); in 64-lane
        // blocks, 8 channels.
        CHECK(strip_reduction_chunk(rows(512, 512, 3, 1, 7), tile(2, 7, 7, 2)) == 16);
        CHECK(strip_reduction_chunk(rows(512, 512, 3, 1, 7), tile(4, 7, 7, 2)) == 8);
        CHECK(strip_reduction_chunk(rows(512, 512, 3, 1, 7), tile(2, 7, 7, 0)) == 0);
        // A 3-channel stem has no two chunks: order 2 is not a candidate.
        const ConvShape stem = rows(3, 64, 7, 2, 112);
        CHECK(strip_reduction_chunk(stem, tile(2, 14, 8, 2)) == 0);
        CHECK_FALSE(blocked_conv_feasible(stem, tile(2, 14, 8, 2)));
        for (const Schedule &s : conv_candidates(stem, cnnc::testing::avx512_target()))
            CHECK(s.task_order != 2);
        ConvShape grouped = rows(256, 256, 3, 1, 14);
        grouped.groups = 32;
        CHECK(strip_reduction_chunk(grouped, tile(2, 7, 7, 2)) == 0);
        ConvShape long_row = rows(512, 2048, 1, 1, 49);
        long_row.height = 1;
        long_row.pixel_chunks = true;
        CHECK(strip_reduction_chunk(long_row, tile(2, 7, 7, 2)) == 0);
    }
}
