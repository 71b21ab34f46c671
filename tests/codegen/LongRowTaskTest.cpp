// 1x1 convs over a long row of pixels (conv-gemm-1x1, conv-strided-1x1) whose tasks take several
// pixel tiles of one channel block (row_tile > 1, which the cost model now picks for conv-gemm-1x1
// too: ResNet-50's 7x7 layers read a block's weights from beyond L2 once per task).
// tests/codegen/data/long_row_tasks.cnn holds such convs with batch 2; these tests force tile
// shapes onto them with tuning records so that the last task is short, the last tile is shifted
// inwards over its neighbour, a channel block is ragged and a task covers the whole row, and
// check the outputs against the reference interpreter, as they do at the default schedules.
// Tolerance: 1e-4 of each output's largest magnitude (at most 192 products each).
#include "tests/codegen/ForcedSchedules.h"

using namespace cnnc;

namespace {

const std::string net = CNNC_TEST_DATA_DIR "/codegen/data/long_row_tasks.cnn";

// The forced schedule of each conv, by its output shape:
//   %a 40 channels, 49 pixels: 32-lane blocks (one full, one ragged), 5-pixel tiles (the tenth
//      shifted inwards), 4 a task: tasks of 4, 4 and 2 tiles.
//   %b 64 channels, 196 pixels: one 64-lane block, 6-pixel tiles (33, the last shifted), 8 a
//      task: the fifth task has one tile.
//   %s 48 channels, 49 pixels: one 48-lane block, 13-pixel tiles (the fourth shifted), the row
//      one task.
//   %c 160 channels, 49 pixels: as %s, with three full 48-lane blocks and a ragged fourth.
// Under task order 2 (row_reduction_chunk) tasks must be whole, so %a takes 5 tiles a task (two
// tasks) and %b 7-pixel tiles, 7 a task (28 tiles, four tasks); %s and %c keep their one task of
// four 13-pixel tiles, the last rounded up past the row. The reduction runs in chunks of 32 input
// channels (16 for %b's 80): 5, 5, 6 and 5 chunks.
std::string forced_schedule(const std::string &record, int order) {
    const bool a = record.find("out[2,40,7,7]") != std::string::npos;
    const bool b = record.find("out[2,64,14,14]") != std::string::npos;
    const char *schedule = a ? (order == 2 ? R"("vec":16,"cv":2,"px":5,"ru":2,"rows":5)"
                                           : R"("vec":16,"cv":2,"px":5,"ru":2,"rows":4)")
                           : b ? (order == 2 ? R"("vec":16,"cv":4,"px":7,"ru":4,"rows":7)"
                                             : R"("vec":16,"cv":4,"px":6,"ru":4,"rows":8)")
                               : R"("vec":16,"cv":3,"px":13,"ru":1,"rows":4)";
    return fmt::format("\"schedule\":{{{},\"order\":{},\"par\":true}}", schedule, order);
}

// Each test case names its own databases: ctest runs the cases in parallel, and two writing one
// file (or its probe tune) at once read each other's half-written lines.
std::string forced_database(const std::string &dir, const std::string &stem, int order) {
    return testing::forced_database(net, dir, stem,
                                    [order](const std::string &record) { return forced_schedule(record, order); });
}

} // namespace

TEST_SUITE("codegen-blocked") {
    TEST_CASE("1x1 long rows with tasks of several pixel tiles match the reference") {
        const std::string dir = testing::scratch_dir();
        const std::string forced = forced_database(dir, "long_row_tasks_forced0", 0);
        std::ifstream in(forced);
        CHECK(std::count(std::istreambuf_iterator<char>(in), {}, '\n') == 4);
        // The records are applied (other kernels than the defaults'), and the kernels are right.
        std::string log;
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/liblong_row_tasks_default.so", "-O0", &log) == 0, log);
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/liblong_row_tasks_forced.so", "-O0 --db " + forced, &log) == 0,
                        log);
        CHECK(testing::kernel_functions(dir + "/liblong_row_tasks_default.so") !=
              testing::kernel_functions(dir + "/liblong_row_tasks_forced.so"));
        testing::check_compiled_model(net, "-O0 --db " + forced, 1e-4, "long_row_tasks_forced");
    }

    TEST_CASE("1x1 long rows reducing in chunks across their tasks' tiles match the reference") {
        const std::string dir = testing::scratch_dir();
        const std::string forced = forced_database(dir, "long_row_tasks_chunked2", 2);
        std::string log;
        const std::string twins = forced_database(dir, "long_row_tasks_chunked0", 0);
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/liblong_row_tasks_order0.so", "-O0 --db " + twins, &log) == 0,
                        log);
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/liblong_row_tasks_order2.so", "-O0 --db " + forced, &log) == 0,
                        log);
        REQUIRE_MESSAGE(testing::cnnc_compile(net, dir + "/liblong_row_tasks_plain.so", "-O0", &log) == 0, log);
        // Every record is applied (an infeasible one would leave its conv at the default): no
        // kernel is its order-0 twin or its default.
        std::vector<std::string> others = testing::kernel_functions(dir + "/liblong_row_tasks_order0.so");
        for (const std::string &f : testing::kernel_functions(dir + "/liblong_row_tasks_plain.so")) others.push_back(f);
        const std::vector<std::string> chunked = testing::kernel_functions(dir + "/liblong_row_tasks_order2.so");
        CHECK(chunked.size() == 4);
        for (const std::string &f : chunked) CHECK(std::find(others.begin(), others.end(), f) == others.end());
        testing::check_compiled_model(net, "-O0 --db " + forced, 1e-4, "long_row_tasks_chunked");
    }

    TEST_CASE("1x1 long rows at their default schedules match the reference") {
        testing::check_compiled_model(net, "-O0", 1e-4, "long_row_tasks_default");
    }
}
