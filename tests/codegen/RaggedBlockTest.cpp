// Dense blocked convs (conv-direct, conv-gemm-1x1, conv-strided-1x1) whose last output-channel
// block is ragged, scheduled with tasks over (pixels, channel blocks) (task_order 0). Such a
// schedule runs the ragged block in its own parallel loop (BlockedConvKernels.cpp says why), so
// these tests force it with tuning records and check the outputs against the reference
// interpreter. Tolerance: 1e-4 of each output's largest magnitude (at most 171 products each).
#include "tests/codegen/ForcedSchedules.h"

using namespace cnnc;

namespace {

const std::string net = CNNC_TEST_DATA_DIR "/codegen/data/ragged_blocks.cnn";

// A database that gives every conv of `net` a ragged block with task_order 0 (40 and 52
// channels in blocks of 32 lanes, 20 channels in blocks of 16) and the best time, so that
// compile applies it.
std::string forced_database(const std::string &dir, int row_tile) {
    return testing::forced_database(net, dir, fmt::format("ragged_blocks_rows{}", row_tile), [&](const std::string &record) {
        const int cv = record.find("out[1,20,") != std::string::npos ? 1 : 2;
        return fmt::format("\"schedule\":{{\"vec\":16,\"cv\":{},\"px\":3,\"ru\":1,\"rows\":{},\"order\":0,\"par\":true}}",
                           cv, row_tile);
    });
}

} // namespace

TEST_SUITE("codegen-blocked") {
    TEST_CASE("ragged channel blocks with tasks over pixels and channel blocks match the reference") {
        const std::string dir = testing::scratch_dir();
        const std::string forced = forced_database(dir, 4);
        // Four workloads: the residual's conv, %d, %g and %s.
        std::ifstream in(forced);
        CHECK(std::count(std::istreambuf_iterator<char>(in), {}, '\n') == 4);
        // The records are applied (other kernels than the defaults'), and the kernels are right.
        std::string log;
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/libragged_blocks_default.so", "-O0", &log) == 0, log);
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/libragged_blocks_forced.so", "-O0 --db " + forced, &log) == 0,
                        log);
        CHECK(testing::kernel_functions(dir + "/libragged_blocks_default.so") !=
              testing::kernel_functions(dir + "/libragged_blocks_forced.so"));
        testing::check_compiled_model(net, "-O0 --db " + forced, 1e-4, "ragged_blocks_forced");
    }

    TEST_CASE("ragged channel blocks with one task per row or pixel tile match the reference") {
        // Row strips of one row (and strided-1x1 chunks of one pixel tile): many small tasks
        // whose last channel block is ragged.
        const std::string forced = forced_database(testing::scratch_dir(), 1);
        testing::check_compiled_model(net, "-O0 --db " + forced, 1e-4, "ragged_blocks_rows1");
    }

    TEST_CASE("ragged channel blocks at the default schedules match the reference") {
        testing::check_compiled_model(net, "-O0", 1e-4, "ragged_blocks_default");
    }
}
