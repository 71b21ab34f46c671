// Copy-free concatenation in compiled libraries: producers write straight into their strided
// channel slice of the concat's buffer (passes/MemoryPlanner.h), so the library runs no concat
// kernel where the planner accepts, and one copy kernel per concat it declines. Every library is
// checked against the reference interpreter (1e-4 of each output's largest magnitude, as
// ModelTest) so a slice written at the wrong place or with the wrong strides fails.
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

namespace {

// The kernels of a compiled library whose algorithm is `algorithm`.
int count_kernels(const std::string &library, const std::string &algorithm) {
    runtime::Library lib(library);
    int32_t count = 0;
    REQUIRE(lib.api().num_kernels(&count) == CNNC_OK);
    int found = 0;
    for (int32_t k = 0; k < count; ++k) {
        cnnc_kernel_info info;
        REQUIRE(lib.api().get_kernel_info(k, &info) == CNNC_OK);
        found += algorithm == info.algorithm;
    }
    return found;
}

std::string library_of(const std::string &name) { return testing::scratch_dir() + "/lib" + name + ".so"; }

// Compiles and checks `model` against the reference, then returns its concat copy kernels.
int concat_copies(const std::string &model, const std::string &name) {
    testing::check_compiled_model(model, "", 1e-4, name);
    return count_kernels(library_of(name), "concat");
}

std::string data(const char *path) { return std::string(CNNC_TEST_DATA_DIR "/") + path; }

} // namespace

TEST_CASE("copy-free concat: an Inception module's branches write into the concat's channels") {
    // Four branches (1x1 convs as gemm over pixels, a 5x5, a pooled 1x1) into a graph output.
    CHECK(concat_copies(data("ir/data/inception_module.cnn"), "mp_inception") == 0);
    CHECK(concat_copies(data("lit/eval/inception_hand_checked.cnn"), "mp_inception_hand") == 0);
}

TEST_CASE("copy-free concat declines a graph input, and copies only that concat") {
    // %l1 = concat(%x, ...) with %x a graph input: no kernel writes %x, so %l1 is copied (into its
    // slice of %l3); %l2 and %l3 are prefix views of one buffer.
    CHECK(concat_copies(data("ir/data/dense_block.cnn"), "mp_dense_block") == 1);
}

TEST_CASE("copy-free concat declines an operand a reader cannot address as a slice") {
    // A width concat whose operand a 1x1 conv also reads with its pixels as one axis.
    CHECK(concat_copies(data("codegen/data/concat_width_slices.cnn"), "mp_width_slices") == 1);
}

TEST_SUITE("slow") {
    TEST_CASE("copy-free concat: DenseNet-121 and GoogLeNet at 64x64 run no concat kernel") {
        CHECK(concat_copies("zoo:densenet121?input=64", "mp_densenet121_64") == 0);
        CHECK(concat_copies("zoo:googlenet?input=64", "mp_googlenet_64") == 0);
    }
}
