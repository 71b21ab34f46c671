// Whole models compiled to libraries and run through the C ABI against the reference interpreter:
// the hand-written nets (the hand-checked lit ones and tests/ir/data), then zoo models at reduced
// input size (full size in the `slow` suite). Each is compiled at -O2, so the passes' folded BN,
// fused epilogues and chosen algorithms are what runs; the reference runs the graph as loaded.
// Tolerance: 1e-4 of each output's largest magnitude for every model (f32 sums in a different
// order than the reference's double accumulation stay well inside it).
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

namespace {
void check(const std::string &model, const std::string &name) {
    testing::check_compiled_model(model, "", 1e-4, name);
}
} // namespace

TEST_CASE("hand-written nets") {
    for (const char *net : {"lit/eval/basic_block_hand_checked.cnn", "lit/eval/dense_block_hand_checked.cnn",
                            "lit/eval/inception_hand_checked.cnn", "ir/data/basic_block.cnn",
                            "ir/data/dense_block.cnn", "ir/data/inception_module.cnn"}) {
        std::string name = std::filesystem::path(net).stem().string();
        check(std::string(CNNC_TEST_DATA_DIR "/") + net, name);
    }
}

TEST_CASE("zoo models at 32x32: resnet18, mobilenet_v2") {
    check("zoo:resnet18?input=32&classes=10", "resnet18_32");
    check("zoo:mobilenet_v2?input=32&classes=10", "mobilenet_v2_32");
}

TEST_SUITE("slow") {
    TEST_CASE("zoo models at reduced size: every architecture family") {
        for (const char *m : {"googlenet?input=64", "resnet50?input=64", "resnext50_32x4d?input=64",
                              "densenet121?input=64", "squeezenet1_1?input=64", "shufflenet_v2_x1_0?input=64",
                              "mobilenet_v1?input=64", "alexnet_lrn?input=67", "vgg11?input=32",
                              "inception_v3?input=75"}) {
            std::string name = m;
            std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
            check(std::string("zoo:") + m, name);
        }
    }
    TEST_CASE("zoo models at full size: resnet50, mobilenet_v2, googlenet") {
        check("zoo:resnet50", "resnet50");
        check("zoo:mobilenet_v2", "mobilenet_v2");
        check("zoo:googlenet", "googlenet");
    }
}
