// Depthwise convs with 14-pixel output rows, which the cost model now runs as two 1 x 7 tiles a
// row instead of one 1 x 14 tile (whose window row of inputs spilled): the kernel
// (codegen/DepthwiseConvKernel.cpp) against the reference interpreter on
// tests/codegen/data/depthwise_half_rows.cnn (stride 1 and 2, a ragged channel block, a residual,
// an uneven pad). Tolerance: 1e-4 of each output's largest magnitude. That the cost model picks
// these tiles is checked by tests/codegen_plan/DepthwisePlanTest.cpp.
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_SUITE("codegen-depthwise") {
    TEST_CASE("depthwise convs of 14-pixel rows in 1 x 7 tiles match the reference") {
        testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/depthwise_half_rows.cnn", "", 1e-4,
                                      "depthwise_half_rows");
        CHECK(testing::algorithm_counts(CNNC_TEST_DATA_DIR "/codegen/data/depthwise_half_rows.cnn",
                                        "libdepthwise_half_rows_kinds.so", "")["conv-depthwise"] == 4);
    }
}
