// Fully connected layers against the reference interpreter: the CPU gemm packs constant trans_b
// weights in blocks of columns (blocked_matrix) and guards a partial last block, so the shapes in
// tests/codegen/data/gemm_blocks.cnn cover whole, partial and sub-vector blocks with every
// epilogue. Tolerance: 1e-4 of each output's largest magnitude (the reference accumulates in
// double; f32 sums over K = 300 stay far inside it).
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_CASE("gemm with blocked weights: whole, partial and narrow column blocks with every epilogue") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/gemm_blocks.cnn", "-O0", 1e-4, "gemm_blocks");
}
