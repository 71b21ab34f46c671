// The CPU depthwise conv kernel (codegen/DepthwiseConvKernel.cpp) against the reference
// interpreter: the cases of tests/codegen/data/depthwise.cnn (borders of every kind around
// interior tiles, strides, dilation, a 5x5 window, ragged channel blocks, a channel multiplier,
// every fused epilogue), and ShuffleNet v2's depthwise convs on channel-split views in a whole
// model. Tolerance: 1e-4 of each output's largest magnitude (at most 25 products per output).
#include "tests/codegen/CompiledModel.h"

#include <regex>

using namespace cnnc;

TEST_SUITE("codegen-depthwise") {
    TEST_CASE("depthwise kernels on odd shapes with every border and epilogue match the reference") {
        testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/depthwise.cnn", "", 1e-4, "depthwise");
    }

    TEST_CASE("every conv of the depthwise cases runs the depthwise kernel") {
        // Otherwise the case above could pass through another algorithm and test nothing here.
        CHECK(testing::algorithm_counts(CNNC_TEST_DATA_DIR "/codegen/data/depthwise.cnn", "libdepthwise_kinds.so",
                                        "")["conv-depthwise"] == 9);
    }

    TEST_CASE("a ragged channel block with a whole vector past the last channel matches the reference") {
        // 48 channels in blocks of 2 x 16 lanes: the last block's second vector has no channel.
        // The default schedule may never pick it; a tuner may, so force it with a record whose
        // workload key comes from a short tune (the key spells this host's target).
        const std::string net = CNNC_TEST_DATA_DIR "/codegen/data/depthwise_ragged.cnn";
        const std::string dir = testing::scratch_dir();
        const std::string probe = dir + "/depthwise_ragged_probe.jsonl", forced = dir + "/depthwise_ragged.jsonl";
        std::filesystem::remove(probe);
        const std::string command =
            fmt::format("CNNC_CACHE_DIR={} {} tune {} --db {} --budget 2s --runs 2 --confirm-share 0 -q > {}.log 2>&1",
                        testing::shell_quote(dir + "/cache"), CNNC_BINARY, testing::shell_quote(net),
                        testing::shell_quote(probe), testing::shell_quote(probe));
        REQUIRE(std::system(command.c_str()) == 0);
        std::ifstream in(probe);
        std::string line, key, generator;
        std::smatch m;
        while (key.empty() && std::getline(in, line))
            if (std::regex_search(line, m, std::regex("\"workload\":(\"[^\"]*\")"))) {
                key = m[1].str();
                if (std::regex_search(line, m, std::regex("\"generator\":(\"[^\"]*\")"))) generator = m[1].str();
            }
        REQUIRE(!key.empty());
        REQUIRE(!generator.empty()); // a record of another code generation would not be applied
        std::ofstream(forced, std::ios::trunc)
            << "{\"workload\":" << key
            << ",\"schedule\":{\"vec\":16,\"cv\":2,\"px\":5,\"ru\":1,\"rows\":3,\"order\":0,\"par\":true},"
            << "\"median_ms\":0.001,\"min_ms\":0.001,\"valid\":true,\"error\":0,\"unix_time\":1,\"generator\":"
            << generator << "}\n";
        // The record is applied (another kernel than the default's), and the kernel is right.
        std::string log;
        REQUIRE(testing::cnnc_compile(net, dir + "/libdepthwise_ragged_default.so", "", &log) == 0);
        REQUIRE(testing::cnnc_compile(net, dir + "/libdepthwise_ragged_forced.so", "--db " + forced, &log) == 0);
        CHECK(testing::kernel_functions(dir + "/libdepthwise_ragged_default.so") !=
              testing::kernel_functions(dir + "/libdepthwise_ragged_forced.so"));
        testing::check_compiled_model(net, "--db " + forced, 1e-4, "depthwise_ragged_checked");
    }

    TEST_CASE("shufflenet_v2_x1_0 at 64x64 (depthwise convs on channel-split views) matches the reference") {
        testing::check_compiled_model("zoo:shufflenet_v2_x1_0?input=64", "", 1e-4, "depthwise_shufflenet_64");
    }
}
