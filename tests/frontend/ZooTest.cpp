// The model zoo: every model loads through `zoo:` (shapes inferred, verified) and runs through
// the reference interpreter at a small input size, producing finite logits of the right shape;
// parameters parse, and bad references fail with one clear line.
//
// One TEST_CASE per model, so ctest runs them in parallel and names the one that breaks. Models
// whose weights alone take seconds to generate (VGG, AlexNet's FC layers, ResNet-101/152, ...)
// sit in the doctest suite "zoo-heavy", skipped by default and run by the `slow`-labelled ctest
// entry registered in tests/CMakeLists.txt.
#include "frontend/ModelLoader.h"
#include "frontend/Zoo.h"
#include "ir/Error.h"
#include "reference/Interpreter.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <string>

using namespace cnnc;

namespace {

// Loads `zoo:NAME?input=SIZE` and runs it on a deterministic input.
void check_runs(const std::string &name, int64_t size, int64_t classes = 1000) {
    const std::string reference = fmt::format("zoo:{}?input={}", name, size);
    CAPTURE(reference);
    const ir::Graph g = frontend::load_model(reference);
    REQUIRE(g.inputs().size() == 1);
    CHECK(g.value(g.inputs()[0]).name == "input");
    const ir::TensorType in_type = g.type(g.inputs()[0]);
    CHECK(in_type.dims == ir::Dims{1, 3, size, size});
    ir::Tensor x(in_type);
    for (int64_t i = 0; i < x.size(); ++i) x.data[static_cast<size_t>(i)] = std::sin(0.37f * i);
    const auto outputs = reference::run(g, {x});
    REQUIRE(outputs.size() == 1);
    CHECK(outputs[0].dims() == ir::Dims{1, classes});
    bool finite = true, varied = false;
    for (float v : outputs[0].data) {
        finite = finite && std::isfinite(v);
        varied = varied || v != outputs[0].data[0];
    }
    CHECK(finite);
    CHECK(varied); // a dead network (all logits equal) means a builder lost its input
}

std::string error_of(const std::string &reference) {
    try {
        frontend::load_model(reference);
    } catch (const CompileError &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

#define ZOO_RUNS(NAME, SIZE)                                                                       \
    TEST_CASE("zoo:" #NAME " verifies and runs at " #SIZE "x" #SIZE) { check_runs(#NAME, SIZE); }

ZOO_RUNS(resnet18, 32)
ZOO_RUNS(resnet34, 32)
ZOO_RUNS(resnet50, 32)
ZOO_RUNS(resnet50_a, 32)
ZOO_RUNS(resnet50_c, 32)
ZOO_RUNS(resnet50_d, 32)
ZOO_RUNS(resnext50_32x4d, 32)
ZOO_RUNS(dilated_resnet18, 32)
ZOO_RUNS(googlenet, 32)
ZOO_RUNS(inception_v3, 75) // the smallest size its stem and grid reductions allow
ZOO_RUNS(densenet121, 32)
ZOO_RUNS(mobilenet_v1, 32)
ZOO_RUNS(mobilenet_v2, 32)
ZOO_RUNS(shufflenet_v2_x0_5, 32)
ZOO_RUNS(shufflenet_v2_x1_0, 32)
ZOO_RUNS(shufflenet_v2_x1_5, 32)
ZOO_RUNS(squeezenet1_1, 32)

TEST_CASE("the CIFAR study nets verify and run at 16x16 with 10 classes") {
    for (const char *name : {"dilated_cifar", "kernel_cifar", "strided_cifar", "cascade3x3",
                             "allconv6", "crelu_net"})
        check_runs(name, 16, 10);
}

TEST_SUITE("zoo-heavy" * doctest::skip()) {
    ZOO_RUNS(alexnet, 63)      // 63 is the smallest size its three pools leave a 1x1 map for
    ZOO_RUNS(alexnet_lrn, 67)
    ZOO_RUNS(zfnet, 64)
    ZOO_RUNS(vgg11, 32)
    ZOO_RUNS(vgg13, 32)
    ZOO_RUNS(vgg16, 32)
    ZOO_RUNS(vgg19, 32)
    ZOO_RUNS(resnet101, 32)
    ZOO_RUNS(resnet152, 32)
    ZOO_RUNS(resnext101_32x8d, 32)
    ZOO_RUNS(densenet161, 32)
    ZOO_RUNS(densenet169, 32)
    ZOO_RUNS(densenet201, 32)
    ZOO_RUNS(shufflenet_v2_x2_0, 32)
}

TEST_CASE("every zoo entry is covered by a run test above") {
    // Keeps this file honest when a model is added to the registry.
    const std::vector<std::string> covered{
        "resnet18", "resnet34", "resnet50", "resnet50_a", "resnet50_b", "resnet50_c",
        "resnet50_d", "resnext50_32x4d", "dilated_resnet18", "googlenet", "inception_v3",
        "densenet121", "mobilenet_v1", "mobilenet_v2", "shufflenet_v2_x0_5",
        "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "squeezenet1_1", "dilated_cifar",
        "kernel_cifar", "strided_cifar", "cascade3x3", "allconv6", "crelu_net", "alexnet",
        "alexnet_lrn", "zfnet", "vgg11", "vgg13", "vgg16", "vgg19", "resnet101", "resnet152",
        "resnext101_32x8d", "densenet161", "densenet169", "densenet201", "shufflenet_v2_x2_0"};
    for (const auto &e : frontend::zoo_entries()) {
        CAPTURE(e.name);
        CHECK(std::find(covered.begin(), covered.end(), e.name) != covered.end());
    }
}

TEST_CASE("resnet50_b is torchvision's resnet50: same ops, weights and shapes") {
    // Bag of Tricks' ResNet-B moves the stride to the 3x3, which torchvision already does.
    ir::Graph a = frontend::load_model("zoo:resnet50?input=64");
    ir::Graph b = frontend::load_model("zoo:resnet50_b?input=64");
    REQUIRE(a.ops().size() == b.ops().size());
    for (size_t i = 0; i < a.ops().size(); ++i) {
        CHECK(a.ops()[i].kind == b.ops()[i].kind);
        for (size_t j = 0; j < a.ops()[i].outputs.size(); ++j)
            CHECK(a.type(a.ops()[i].outputs[j]) == b.type(b.ops()[i].outputs[j]));
    }
}

TEST_CASE("zoo weights are lazy, seeded by name, and named as torchvision's state_dict") {
    const ir::Graph g = frontend::load_model("zoo:resnet18");
    const auto w = g.find_value("layer1.0.conv1.weight");
    REQUIRE(w.has_value());
    const ir::ConstantData *data = g.constant_data(*w);
    REQUIRE(data != nullptr);
    REQUIRE(data->init().has_value()); // an initialiser, not values: nothing generated yet
    CHECK(data->init()->kind == ir::Initializer::Kind::he_normal);
    CHECK(data->type().dims == ir::Dims{64, 64, 3, 3});
    CHECK(g.find_value("layer4.1.bn2.running_var").has_value());
    CHECK(g.find_value("fc.bias").has_value());
    // Same name, same numbers; another layer of the same shape, other numbers.
    const ir::Graph again = frontend::load_model("zoo:resnet18");
    const ir::ConstantData *same = again.constant_data(*again.find_value("layer1.0.conv1.weight"));
    const ir::ConstantData *other = g.constant_data(*g.find_value("layer1.0.conv2.weight"));
    CHECK(data->values() == same->values());
    CHECK(data->values() != other->values());
}

TEST_CASE("zoo parameters change the graph they say they change") {
    const ir::Graph g = frontend::load_model("zoo:mobilenet_v1?width=0.5&input=160&classes=10");
    CHECK(g.type(g.inputs()[0]).dims == ir::Dims{1, 3, 160, 160});
    CHECK(g.type(g.outputs()[0]).dims == ir::Dims{1, 10});
    CHECK(g.type(*g.find_value("conv0.weight")).dims == ir::Dims{16, 3, 3, 3});
    const ir::Graph w = frontend::load_model("zoo:allconv6?widths=1,2,1,1,0.5");
    CHECK(g.type(*g.find_value("layers.12.pw.weight")).dims == ir::Dims{512, 256, 1, 1});
    CHECK(w.type(*w.find_value("layers.1.conv.weight")).dims == ir::Dims{128, 64, 3, 3});
    CHECK(w.type(*w.find_value("layers.4.conv.weight")).dims == ir::Dims{128, 128, 3, 3});
}

TEST_CASE("bad zoo references are one clear line each") {
    CHECK(error_of("zoo:nosuch") ==
          fmt::format("zoo:nosuch: no model named 'nosuch' in the zoo (`cnnc zoo list` shows all "
                      "{})",
                      frontend::zoo_entries().size()));
    CHECK(error_of("zoo:resnet5") ==
          fmt::format("zoo:resnet5: no model named 'resnet5' in the zoo; did you mean "
                      "'resnet50'? (`cnnc zoo list` shows all {})",
                      frontend::zoo_entries().size()));
    CHECK(error_of("zoo:mobilenet_v1?width=abc") ==
          "zoo:mobilenet_v1?width=abc: width must be a positive number (at most 64), got 'abc'");
    CHECK(error_of("zoo:resnet50?colour=red") ==
          "zoo:resnet50?colour=red: resnet50 has no parameter 'colour' (it takes input, classes)");
    CHECK(error_of("zoo:resnet50?input=12.5") ==
          "zoo:resnet50?input=12.5: input must be a positive integer, got '12.5'");
    CHECK(error_of("zoo:resnet50?classes=0") ==
          "zoo:resnet50?classes=0: classes must be a positive integer, got '0'");
    CHECK(error_of("zoo:resnet50?input") ==
          "zoo:resnet50?input: expected key=value after '?', got 'input' (resnet50 takes input, "
          "classes)");
    CHECK(error_of("zoo:resnet50?input=64&input=32") ==
          "zoo:resnet50?input=64&input=32: parameter 'input' given twice");
    CHECK(error_of("zoo:allconv6?widths=1,2") ==
          "zoo:allconv6?widths=1,2: widths must be 5 comma-separated positive numbers, got '1,2'");
    const std::string small = error_of("zoo:inception_v3?input=32");
    CHECK(small.rfind("zoo:inception_v3?input=32: the architecture does not fit these "
                      "parameters: ",
                      0) == 0);
    CHECK(small.find('\n') == std::string::npos);
    // 200x200 leaves 5x5 before AlexNet's adaptive 6x6 pool: not expressible exactly.
    CHECK(error_of("zoo:alexnet?input=200") ==
          "zoo:alexnet?input=200: the architecture does not fit these parameters: the input size "
          "gives a 5x5 feature map before the classifier, which cannot be pooled to 6x6 exactly; "
          "choose an input size giving a divisor or a multiple of 6");
}
