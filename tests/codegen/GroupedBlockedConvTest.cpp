// The blocked grouped conv (conv-grouped, GroupedConvKernel.cpp), whose tasks pad only the input
// they read, against the reference interpreter: tests/codegen/data/grouped_blocked.cnn holds
// blocks inside one group and blocks of two whole groups, stride 2 on odd sizes, uneven padding
// with a 5x3 window, dilation, a 7x7 output, a residual, batch 2 and a conv without padding.
// Tolerance: 1e-4 of each output's largest magnitude (the f32 sums run over at most 32 x 9
// products).
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_SUITE("codegen-grouped") {
    TEST_CASE("blocked grouped convs padding per task match the reference") {
        testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/grouped_blocked.cnn", "-O0", 1e-4,
                                      "grouped_blocked");
    }

    TEST_CASE("every conv of the blocked grouped cases runs conv-grouped") {
        // Otherwise the case above could pass through another kernel and test nothing here.
        CHECK(testing::algorithm_counts(CNNC_TEST_DATA_DIR "/codegen/data/grouped_blocked.cnn",
                                        "libgrouped_blocked_kinds.so", "-O0")["conv-grouped"] == 7);
    }
}
