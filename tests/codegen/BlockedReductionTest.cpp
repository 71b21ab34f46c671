// The blocked convs' interleaved reduction order (BlockedConvKernels.cpp, reduction_order) against
// the reference interpreter: tests/codegen/data/blocked_reduction_order.cnn holds convs whose
// weights exceed 2 MiB (so they take that order) with every shape of it: two streams, one stream
// (an odd chunk count), chunks of 8, a window, stride and dilation, a strided 1x1, a grouped conv,
// ragged channel blocks and the fused epilogues. A wrong channel index in any stream or chunk
// changes the sums. Tolerance: 1e-4 of each output's largest magnitude (the reference accumulates
// in double; f32 sums over K <= 3456 stay far inside it).
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

TEST_CASE("blocked convs with large weights interleave their reduction and match the reference") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/blocked_reduction_order.cnn", "-O0", 1e-4,
                                  "blocked_reduction_order");
}
