// The grouped conv for groups narrower than a vector (conv-grouped-broadcast,
// GroupedConvKernel.cpp) against the reference interpreter:
// tests/codegen/data/grouped_broadcast.cnn holds ResNeXt-like shapes (4 and 8 channels a group,
// stride 2, batch 2, a 7x7 output), dilation, groups that straddle vectors (12 and 3 channels a
// group) with uneven padding, every fused epilogue, and a conv no block fits (the generic kernel).
// A lane that read another group's channel, a wrong spread row at a border, or weights packed for
// the wrong group change the sums. Tolerance: 1e-4 of each output's largest magnitude (the
// reference accumulates in double; the f32 sums here run over at most 4 x 9 products a group).
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_CASE("grouped convs with groups narrower than a vector match the reference") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/grouped_broadcast.cnn", "-O0",
                                  1e-4, "grouped_broadcast");
}

TEST_CASE("grouped convs with narrow groups compile to conv-grouped-broadcast where a block fits") {
    auto counts = testing::algorithm_counts(CNNC_TEST_DATA_DIR "/codegen/data/grouped_broadcast.cnn",
                                            "libgrouped_broadcast_kinds.so", "-O0");
    // %g2 and %g4 have 8 output channels a group: they run 8-lane blocks of one group
    // (conv-grouped), which have neither zero weights nor a spread.
    CHECK(counts["conv-grouped-broadcast"] == 4);
    CHECK(counts["conv-grouped"] == 2);
    CHECK(counts["conv-grouped-generic"] == 1);
}

TEST_SUITE("slow") {
    // ResNeXt-50 32x4d at 64x64: its layer1 and layer2 3x3 convs (4 and 8 channels a group) run
    // conv-grouped-broadcast, layer3 and layer4 (16 and 32) the blocked kernel, after -O2.
    TEST_CASE("resnext50_32x4d at 64x64 matches the reference") {
        testing::check_compiled_model("zoo:resnext50_32x4d?input=64", "", 1e-4, "resnext50_64");
    }
}
