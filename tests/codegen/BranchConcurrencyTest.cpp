// Libraries compiled with --branch-concurrency on (and measure), run through the dlopen loader (no Halide in this
// process): outputs against the reference interpreter at 1e-4, and many runs of one instance
// bit-identical, to shake out races between branches that share an arena. The pool gets more
// threads than the machine has cores, so branches interleave at arbitrary points.
#include "tests/codegen/CompiledModel.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace cnnc;
using namespace cnnc::testing;

namespace {

void check_repeatable(const std::string &model, const std::string &library_name, int runs) {
    // Halide's pool reads HL_NUM_THREADS when the library first runs a parallel loop.
    setenv("HL_NUM_THREADS", "4", 0);
    check_compiled_model(model, "--branch-concurrency on", 1e-4, library_name);
    runtime::Library lib(scratch_dir() + "/lib" + library_name + ".so");
    const Model m(lib.api());
    const ir::Graph g = frontend::load_model(model);
    std::vector<std::vector<float>> inputs;
    uint32_t seed = 7;
    for (ir::ValueId v : g.inputs()) inputs.push_back(random_tensor(g.type(v), seed++).data);
    Instance instance(m);
    const auto first = instance.run(inputs);
    int differing = 0;
    for (int r = 1; r < runs; ++r) {
        const auto again = instance.run(inputs);
        for (size_t o = 0; o < first.size(); ++o)
            differing += std::memcmp(again[o].data(), first[o].data(), first[o].size() * sizeof(float)) != 0;
    }
    CHECK_MESSAGE(differing == 0, model, ": ", differing, " of ", runs - 1, " runs differ from the first");
}

} // namespace

TEST_SUITE("branch-concurrency") {

TEST_CASE("branch concurrency on: GoogLeNet at 64 px matches the reference and 20 runs are bit-identical") {
    check_repeatable("zoo:googlenet?input=64", "branch_googlenet64", 20);
}

TEST_CASE("branch concurrency measure: compile times off and on, says which it kept, and the library is right") {
    check_compiled_model("zoo:googlenet?input=64", "--branch-concurrency measure", 1e-4, "branch_measure64");
    std::ifstream in(scratch_dir() + "/libbranch_measure64.so.log");
    const std::string log{std::istreambuf_iterator<char>(in), {}};
    CHECK(log.find("branch concurrency: median run per round off [") != std::string::npos);
    CHECK(log.find("of 5 rounds: o") != std::string::npos);
    // A model without a region of two branches is compiled off without timing anything.
    std::string plain;
    REQUIRE(cnnc_compile("zoo:mobilenet_v2?input=32", scratch_dir() + "/libbranch_measure_mnv2.so",
                         "--branch-concurrency measure", &plain) == 0);
    CHECK(plain.find("no region with two or more branches; off") != std::string::npos);
}

} // TEST_SUITE

TEST_SUITE("slow") {

TEST_CASE("branch concurrency on: ResNet-50, ShuffleNet v2 and Inception v3 at small inputs, 20 runs each") {
    check_repeatable("zoo:resnet50?input=64", "branch_resnet50_64", 20);
    check_repeatable("zoo:shufflenet_v2_x1_0?input=64", "branch_shufflenet64", 20);
    check_repeatable("zoo:inception_v3?input=96", "branch_inception96", 20);
}

} // TEST_SUITE
