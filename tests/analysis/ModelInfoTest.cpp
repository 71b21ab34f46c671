// cnnc info's numbers on hand-checkable nets: receptive field and effective stride per op
// (two 3x3 = one 5x5; dilation; strides; max over merging paths; the published fields of
// AlexNet, VGG-16 and the original ResNet-50), per-layer params/MACs/bytes, and the renderings.
#include "analysis/ModelInfo.h"
#include "analysis/SvgChart.h"
#include "frontend/ModelLoader.h"
#include "frontend/zoo/NetBuilder.h"
#include "ir/Error.h"
#include "ir/Verifier.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cnnc;
using frontend::zoo::ConvSpec;
using frontend::zoo::NetBuilder;
using frontend::zoo::PoolSpec;

namespace {

const analysis::LayerInfo &layer(const analysis::ModelInfo &info, const std::string &name) {
    for (const auto &l : info.layers)
        if (l.name == name) return l;
    FAIL("no layer " << name);
    throw; // unreachable: FAIL throws
}

void check_field(const analysis::ModelInfo &info, const std::string &name, double rf,
                 double stride) {
    CAPTURE(name);
    const auto &l = layer(info, name);
    REQUIRE(l.has_receptive_field);
    CHECK(l.receptive_field[0] == rf);
    CHECK(l.receptive_field[1] == rf);
    CHECK(l.stride[0] == stride);
    CHECK(l.stride[1] == stride);
}

analysis::ModelInfo analyse_zoo(const std::string &reference) {
    return analysis::analyse(frontend::load_model(reference));
}

} // namespace

TEST_CASE("two stacked 3x3 convs see a 5x5 field, like one 5x5 conv, for 18C^2 vs 25C^2 weights") {
    NetBuilder b("two3x3");
    auto x = b.input(8, 16, 16);
    auto y = b.conv(x, "a", ConvSpec(8, 3).with_pad(1));
    y = b.conv(y, "b", ConvSpec(8, 3).with_pad(1));
    auto z = b.conv(x, "c", ConvSpec(8, 5).with_pad(2));
    ir::Graph g = b.finish(b.add(y, z, "sum"));
    ir::verify(g);
    const auto info = analysis::analyse(g);
    check_field(info, "input", 1, 1);
    check_field(info, "a", 3, 1);
    check_field(info, "b", 5, 1);
    check_field(info, "c", 5, 1);
    check_field(info, "sum", 5, 1);
    CHECK(layer(info, "a").params + layer(info, "b").params == 2 * 9 * 8 * 8);
    CHECK(layer(info, "c").params == 25 * 8 * 8);
    // MACs = output elements x (C_in / groups) x kh x kw.
    CHECK(layer(info, "b").macs == 8 * 16 * 16 * 8 * 9);
    CHECK(layer(info, "sum").activation_bytes == 8 * 16 * 16 * 4);
    CHECK(info.params == (9 + 9 + 25) * 64);
}

TEST_CASE("strides multiply and widen every later kernel, merges take the larger path") {
    NetBuilder b("strides");
    auto x = b.input(3, 32, 32);
    auto s = b.conv(x, "s2", ConvSpec(4, 3).with_stride(2).with_pad(1)); // rf 3, stride 2
    auto t = b.conv(s, "after", ConvSpec(4, 3).with_pad(1));            // rf 3 + 2*2 = 7
    auto p = b.max_pool(t, "pool", PoolSpec(2, 2));                      // rf 7 + 1*2 = 9, stride 4
    auto shallow = b.conv(x, "shallow", ConvSpec(4, 1).with_stride(4)); // rf 1, stride 4
    auto merged = b.concat({p, shallow}, "merged");
    ir::Graph g = b.finish(b.global_avg_pool(merged, "gap"));
    const auto info = analysis::analyse(g);
    check_field(info, "s2", 3, 2);
    check_field(info, "after", 7, 2);
    check_field(info, "pool", 9, 4);
    check_field(info, "shallow", 1, 4);
    check_field(info, "merged", 9, 4);
    // A global pool over the 8x8 map: a window of 8 at stride 4 adds 7*4.
    check_field(info, "gap", 9 + 7 * 4, 32);
}

TEST_CASE("the dilation study: 3x3 at dilation 1,2,4,8 reaches 31 without downsampling") {
    const auto dilated = analyse_zoo("zoo:dilated_cifar");
    check_field(dilated, "layers.0.conv", 3, 1);
    check_field(dilated, "layers.1.conv", 7, 1);
    check_field(dilated, "layers.2.conv", 15, 1);
    check_field(dilated, "layers.3.conv", 31, 1);
    // Stride 2 at every layer reaches the same 31 at stride 16, on 1/256 of the pixels.
    const auto strided = analyse_zoo("zoo:strided_cifar");
    check_field(strided, "layers.3.conv", 31, 16);
    CHECK(strided.macs * 10 < dilated.macs);
    // Kernels 3,5,7,9 and ten 3x3 convs both reach 21.
    check_field(analyse_zoo("zoo:kernel_cifar"), "layers.3.conv", 21, 1);
    check_field(analyse_zoo("zoo:cascade3x3"), "layers.9.conv", 21, 1);
    // ResNet-18 with dilated layer3/4 sees ResNet-18's whole 435-pixel field at output stride 8
    // instead of 32.
    check_field(analyse_zoo("zoo:resnet18"), "layer4.1.relu", 435, 32);
    check_field(analyse_zoo("zoo:dilated_resnet18"), "layer4.1.relu", 435, 8);
}

TEST_CASE("published receptive fields: AlexNet 195, VGG-16 212, original ResNet-50 483") {
    // Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks",
    // Distill 2019, table 1 (at the last feature layer; effective stride 32 for all three).
    check_field(analyse_zoo("zoo:alexnet"), "features.12", 195, 32);
    check_field(analyse_zoo("zoo:vgg16"), "features.30", 212, 32);
    check_field(analyse_zoo("zoo:resnet50_a"), "layer4.2.relu", 483, 32);
    // torchvision's stride-on-3x3 puts each downsampling earlier in the block: 427.
    check_field(analyse_zoo("zoo:resnet50"), "layer4.2.relu", 427, 32);
}

TEST_CASE("AlexNet's parameters sit in its FC layers, its MACs in its convs") {
    const auto info = analyse_zoo("zoo:alexnet");
    int64_t gemm_params = 0, conv_macs = 0;
    for (const auto &s : info.by_kind) {
        if (s.kind == ir::OpKind::gemm) gemm_params = s.params;
        if (s.kind == ir::OpKind::conv2d) conv_macs = s.macs;
    }
    CHECK(gemm_params == 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000);
    CHECK(static_cast<double>(gemm_params) > 0.95 * static_cast<double>(info.params));
    CHECK(static_cast<double>(conv_macs) > 0.9 * static_cast<double>(info.macs));
    CHECK(info.by_kind.front().kind == ir::OpKind::conv2d); // sorted by MACs
    CHECK(info.weight_bytes == 4 * info.params);            // no BN statistics in AlexNet
}

TEST_CASE("csv and json carry exact integers and one row per layer") {
    NetBuilder b("tiny \"net\"");
    auto x = b.input(1, 4, 4);
    ir::Graph g = b.finish(b.conv(x, "c", ConvSpec(2, 3).with_bias()));
    const auto info = analysis::analyse(g);
    CHECK(analysis::format_csv(info) ==
          "layer,op,output,params,macs,activation_bytes,rf_h,rf_w,stride_h,stride_w\n"
          "input,input,\"[1,1,4,4]\",0,0,64,1,1,1,1\n"
          "c,conv2d,\"[1,2,2,2]\",20,72,32,3,3,1,1\n");
    const std::string json = analysis::format_json(info);
    CHECK(json.find("\"model\": \"tiny \\\"net\\\"\"") != std::string::npos);
    CHECK(json.find("{\"name\": \"c\", \"op\": \"conv2d\", \"outputs\": [[1,2,2,2]], "
                    "\"params\": 20, \"macs\": 72, \"activation_bytes\": 32, "
                    "\"receptive_field\": [3, 3], \"stride\": [1, 1]}") != std::string::npos);
    CHECK(json.find("\"total\": {\"params\": 20, \"statistics\": 0, \"macs\": 72, "
                    "\"activation_bytes\": 96, \"weight_bytes\": 80}") != std::string::npos);
    const std::string table = analysis::format_table(info);
    CHECK(table.find("total: 20 params (20), 72 MACs (72), activations 96 (96 B)") !=
          std::string::npos);
}

TEST_CASE("the SVG has one bar per nonzero value in each of its three panels, and is written "
          "atomically") {
    const auto info = analyse_zoo("zoo:alexnet");
    const std::string svg = analysis::render_svg(info);
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("</svg>\n") == svg.size() - 7);
    size_t expected = 0;
    for (const auto &l : info.layers)
        expected += (l.macs > 0) + (l.params > 0) +
                    (l.activation_bytes > 0 && l.kind != ir::OpKind::relu &&
                     l.kind != ir::OpKind::flatten && l.kind != ir::OpKind::input);
    size_t bars = 0;
    for (size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1))
        ++bars;
    CHECK(bars == expected);
    CHECK(svg.find("<title>classifier.1 (gemm): 37.7M</title>") != std::string::npos);

    const auto dir = std::filesystem::temp_directory_path() / "cnnc_svg_test";
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "alexnet.svg").string();
    analysis::write_svg(path, info);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == svg);
    CHECK(!std::filesystem::exists(path + ".tmp"));
    CHECK_THROWS_AS(analysis::write_svg((dir / "missing" / "x.svg").string(), info), CompileError);
    std::filesystem::remove_all(dir);
}
