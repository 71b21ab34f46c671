// Every op kind compiled to a Halide kernel and checked against the reference interpreter:
// tests/codegen/data/all_ops.cnn holds each op on small odd shapes (uneven padding, ceil_mode
// windows, dilation, groups, broadcasting, negative values) as one output each. -O0 compiles the
// ops as written; -O2 runs the passes first (folded BN, fused epilogues, chosen algorithms).
// Tolerance: 1e-4 of each output's largest magnitude.
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_CASE("every op kind compiles and matches the reference (-O0)") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/all_ops.cnn", "-O0", 1e-4, "all_ops_O0");
}

TEST_CASE("every op kind after the default passes (-O2)") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/all_ops.cnn", "-O2", 1e-4, "all_ops_O2");
}

TEST_CASE("a conv + relu net from the text format") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", "", 1e-4, "conv_relu");
}

TEST_CASE("global pools at model channel counts and around the vector width") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/global_pools.cnn", "", 1e-4, "global_pools");
}
