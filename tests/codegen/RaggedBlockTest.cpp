// Dense blocked convs (conv-direct, conv-gemm-1x1, conv-strided-1x1) whose last output-channel
// block is ragged, scheduled with tasks over (pixels, channel blocks) (task_order 0). Such a
// schedule runs the ragged block in its own parallel loop (BlockedConvKernels.cpp says why), so
// these tests force it with tuning records and check the outputs against the reference
// interpreter. Tolerance: 1e-4 of each output's largest magnitude (at most 171 products each).
#include "tests/codegen/CompiledModel.h"

#include <regex>

using namespace cnnc;

namespace {

const std::string net = CNNC_TEST_DATA_DIR "/codegen/data/ragged_blocks.cnn";

// One record per conv of `net` on this host, from a tune that measures the defaults only
// (--prune 1 skips every candidate the model ranks behind them): a record spells the target and
// the code generation, which a record written here by hand would have to guess.
std::vector<std::string> default_records(const std::string &dir) {
    const std::string probe = dir + "/ragged_blocks_probe.jsonl";
    std::filesystem::remove(probe);
    const std::string command = fmt::format(
        "CNNC_CACHE_DIR={} {} tune {} -O0 --db {} --budget 60s --prune 1 --runs 1 --confirm-share 0 -q > {}.log 2>&1",
        testing::shell_quote(dir + "/cache"), CNNC_BINARY, testing::shell_quote(net), testing::shell_quote(probe),
        testing::shell_quote(probe));
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(probe);
    std::vector<std::string> records, keys;
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, std::regex("\"workload\":(\"[^\"]*\")")) &&
            std::find(keys.begin(), keys.end(), m[1].str()) == keys.end()) {
            keys.push_back(m[1].str());
            records.push_back(line);
        }
    return records;
}

// A database that gives every conv of `net` a ragged block with task_order 0 (40 and 52
// channels in blocks of 32 lanes, 20 channels in blocks of 16) and the best time, so that
// compile applies it.
std::string forced_database(const std::string &dir, int row_tile) {
    const std::string path = dir + fmt::format("/ragged_blocks_rows{}.jsonl", row_tile);
    std::ofstream out(path, std::ios::trunc);
    for (std::string record : default_records(dir)) {
        const int cv = record.find("out[1,20,") != std::string::npos ? 1 : 2;
        record = std::regex_replace(
            record, std::regex("\"schedule\":\\{[^}]*\\}"),
            fmt::format("\"schedule\":{{\"vec\":16,\"cv\":{},\"px\":3,\"ru\":1,\"rows\":{},\"order\":0,\"par\":true}}",
                        cv, row_tile));
        record = std::regex_replace(record, std::regex("\"(median|min)_ms\":[-+.0-9eE]+"), "\"$1_ms\":0.001");
        out << record << "\n";
    }
    return path;
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
