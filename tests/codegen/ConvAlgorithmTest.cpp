// The strided-1x1 and im2col-gemm conv kernels against the reference interpreter, each written
// into tests/codegen/data/conv_algorithms.cnn on odd shapes with padding borders, dilation and the
// fused epilogues (compiled at -O0, so the written algorithms are the ones built), and both as
// select-algorithm chooses them inside a whole model. Tolerance: 1e-4 of each output's largest
// magnitude (the reference accumulates in double; f32 sums over K <= 4608 stay far inside it).
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_CASE("strided-1x1 and im2col-gemm kernels on odd shapes with every epilogue") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/conv_algorithms.cnn", "-O0", 1e-4,
                                  "conv_algorithms");
}

TEST_CASE("the compiled kernels are the algorithms written in the graph") {
    auto counts = testing::algorithm_counts(CNNC_TEST_DATA_DIR "/codegen/data/conv_algorithms.cnn",
                                            "libconv_algorithms_kinds.so", "-O0");
    CHECK(counts["conv-strided-1x1"] == 2);
    CHECK(counts["conv-im2col-gemm"] == 4);
}

TEST_SUITE("slow") {
    // ResNet-50 at 64x64: its strided 1x1 shortcuts run strided-1x1 and its late 3x3 convs
    // (4x4 and 2x2 outputs here) im2col-gemm, as -O2's select-algorithm chooses.
    TEST_CASE("resnet50 at 64x64 with strided-1x1 and im2col-gemm matches the reference") {
        testing::check_compiled_model("zoo:resnet50?input=64", "", 1e-4, "resnet50_64_algorithms");
    }
}
