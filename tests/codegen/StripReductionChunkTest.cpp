// k x k direct convs under task order 2: tasks of (row strip, channel block) whose tiles take the
// block's reduction in chunks of input channels, each tile adding every chunk to the strip's
// accumulators in memory (BlockedConvKernels.cpp; ConvSchedules.h, strip_reduction_chunk).
// tests/codegen/data/strip_reduction_chunks.cnn holds such convs with batch 2; these tests force
// tile shapes onto them with tuning records so that a row's last tile reaches past the row (a
// rounded-up tile that reads the row's last pixel again), the last strip of rows is shifted
// inwards, a channel block is ragged, the input is read at stride 2 and without padding, and
// the chunks are 4, 8 and 16 channels (two to six of them), plus a 3-channel stem under task
// order 0, and check the outputs against the reference interpreter. A wrong chunk offset, a tile
// or strip added twice or a lost chunk changes the sums. Tolerance: 1e-4 of each output's
// largest magnitude (at most 400 products each).
#include "tests/codegen/ForcedSchedules.h"

#include <regex>

using namespace cnnc;

namespace {

const std::string net = CNNC_TEST_DATA_DIR "/codegen/data/strip_reduction_chunks.cnn";

// The forced schedule of each conv, by its output shape (all task order 2):
//   %a 40 channels at 9x9: 32-lane blocks (one full, one ragged), 4-pixel tiles (9 pixels round
//      up to 12), strips of 4 rows (the third shifted inwards); chunks of 16 (two).
//   %b 64 channels at 8x8, stride 2: one 64-lane block, 3-pixel tiles (8 round up to 9), strips
//      of 3 rows; chunks of 8 (six).
//   %c 32 channels at 8x8, 5x5 unpadded: 32-lane blocks, 5-pixel tiles (8 round up to 10), one
//      strip of 8 rows; chunks of 4 (four).
//   %d 16 channels at 7x7, 7x7 stride 2: a 16-lane block, one 7-pixel tile a row, strips of 2
//      rows (the fourth shifted inwards); chunks of 4 (two).
//   %e 24 channels at 6x6 from 3 channels (task order 0): a ragged 32-lane block,
//      4-pixel tiles (the second shifted inwards), strips of 4 rows (the second shifted inwards).
std::string forced_schedule(const std::string &record) {
    const char *schedule = record.find("out[2,40,9,9]") != std::string::npos
                               ? R"("cv":2,"px":4,"ru":2,"rows":4,"order":2)"
                           : record.find("out[2,64,8,8]") != std::string::npos
                               ? R"("cv":4,"px":3,"ru":4,"rows":3,"order":2)"
                           : record.find("out[2,32,8,8]") != std::string::npos
                               ? R"("cv":2,"px":5,"ru":1,"rows":8,"order":2)"
                           : record.find("out[2,16,7,7]") != std::string::npos
                               ? R"("cv":1,"px":7,"ru":2,"rows":2,"order":2)"
                               : R"("cv":2,"px":4,"ru":1,"rows":4,"order":0)";
    return fmt::format("\"schedule\":{{\"vec\":16,{},\"par\":true}}", schedule);
}

// `order`, when given, replaces every forced task order (task order 1 pads each task's rows).
std::string forced_database(const std::string &dir, const std::string &order = "") {
    return testing::forced_database(net, dir, "strip_reduction_chunks_forced" + order, [&](const std::string &record) {
        const std::string schedule = forced_schedule(record);
        return order.empty() ? schedule : std::regex_replace(schedule, std::regex("\"order\":[0-9]"), "\"order\":" + order);
    });
}

} // namespace

TEST_SUITE("codegen-blocked") {
    TEST_CASE("k x k convs with chunked strips, tiles past the row and shifted strips match the "
              "reference") {
        const std::string dir = testing::scratch_dir();
        const std::string forced = forced_database(dir);
        std::ifstream in(forced);
        CHECK(std::count(std::istreambuf_iterator<char>(in), {}, '\n') == 5);
        // The records are applied (other kernels than the defaults'), and the kernels are right.
        std::string log;
        REQUIRE_MESSAGE(
            testing::cnnc_compile(net, dir + "/libstrip_chunks_default.so", "-O0", &log) == 0, log);
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/libstrip_chunks_forced.so",
                                              "-O0 --db " + forced, &log) == 0,
                        log);
        CHECK(testing::kernel_functions(dir + "/libstrip_chunks_default.so") !=
              testing::kernel_functions(dir + "/libstrip_chunks_forced.so"));
        testing::check_compiled_model(net, "-O0 --db " + forced, 1e-4, "strip_chunks_forced");
    }

    TEST_CASE(
        "k x k convs under task order 1, each task padding its own rows, match the reference") {
        // The same tiles as above with tasks that run every channel block of their rows: each
        // task pads its rows' input (a shifted last strip, stride 2, 3 channels, no padding).
        const std::string dir = testing::scratch_dir();
        testing::check_compiled_model(net, "-O0 --db " + forced_database(dir, "1"), 1e-4,
                                      "strip_chunks_order1");
    }

    TEST_CASE("k x k convs at their default schedules match the reference") {
        testing::check_compiled_model(net, "-O0", 1e-4, "strip_chunks_default");
    }
}
