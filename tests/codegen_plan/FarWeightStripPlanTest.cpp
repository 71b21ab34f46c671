// The cost model's task order for k x k direct convs whose weights exceed a core's L2 but not
// two cores' (ConvSchedules.cpp): tasks that take every channel block of a strip (order 1, and
// order 0 over more than one strip) stream all of the weights from beyond L2 again for each
// strip on both cores, so such convs take order 2's chunked strips. In-model measurements
// (2 threads, interleaved rounds): ResNet-50's layer3.0 3x3 256->256 stride 2 ran order 2 7-13%
// faster than order 1, Inception v3's Mixed_6a 3x3 288->384 stride 2 5% faster than order 0 (2x
// under load) and Mixed_7a's 192->320 18%; ResNet-50's layer2.0 128->128 (weights within L2) ran
// order 2 27% slower than order 1.
#include "codegen/ConvSchedules.h"
#include "tests/codegen_plan/Avx512Target.h"
#include "tests/codegen_plan/PlanShapes.h"

#include <doctest/doctest.h>

using namespace cnnc::codegen;

namespace {

ConvShape strided(int64_t in_channels, int64_t out_channels, int64_t size, bool padded) {
    return cnnc::testing::square_conv(in_channels, out_channels, 3, 2, size, padded);
}

Schedule tile(int channel_vectors, int pixels, int row_tile, int task_order) {
    return cnnc::testing::avx512_tile(channel_vectors, pixels, row_tile, task_order, 4);
}

} // namespace

TEST_SUITE("codegen-plan") {
    TEST_CASE("stride-2 3x3 convs with weights beyond a core's L2 take chunked strips") {
        const TargetInfo target = cnnc::testing::avx512_target();
        // ResNet-50's layer3.0 (2.4 MB of weights), Inception v3's Mixed_6a (4 MB, unpadded)
        // and Mixed_7a (2.2 MB, unpadded, 8x8).
        for (const ConvShape &c : {strided(256, 256, 14, true), strided(288, 384, 17, false),
                                   strided(192, 320, 8, false)}) {
            CAPTURE(c.in_channels);
            const Schedule s = default_conv_schedule(c, target);
            CAPTURE(s.to_string());
            CHECK(s.task_order == 2);
            CHECK(strip_reduction_chunk(c, s) > 0);
        }
        // The same tile under whole-strip tasks is charged the repeated far stream.
        const ConvShape layer3 = strided(256, 256, 14, true);
        CHECK(estimate_conv_ms(layer3, tile(2, 14, 7, 1), target) >
              estimate_conv_ms(layer3, tile(2, 14, 7, 2), target));
        CHECK(estimate_conv_ms(layer3, tile(2, 14, 7, 0), target) >
              estimate_conv_ms(layer3, tile(2, 14, 7, 2), target));
    }

    TEST_CASE("stride-2 3x3 convs whose weights fit L2 keep tasks of whole strips") {
        // ResNet-50's layer2.0, 128 -> 128 from 56x56 (0.6 MB of weights): order 2 measured 27%
        // slower than order 1 there.
        const ConvShape c = strided(128, 128, 28, true);
        const Schedule s = default_conv_schedule(c, cnnc::testing::avx512_target());
        CAPTURE(s.to_string());
        CHECK(s.task_order == 1);
    }
}
