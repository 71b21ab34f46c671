// Parameter and MAC counts of the zoo against the published numbers: parameters exactly
// (torchvision's num_params, which leaves out BN running statistics), MACs within 1% (the
// GFLOPS column of torchvision's model table, which counts multiply-accumulates of convs and
// linear layers; MobileNet v1 from table 6 of its paper). All from types: nothing is generated.
#include "analysis/ModelInfo.h"
#include "frontend/ModelLoader.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace cnnc;

namespace {

struct Published {
    const char *reference;
    int64_t params;     // exact; 0 where only a rounded figure is published
    double macs;        // within 1%
    double params_approx = 0; // a rounded published figure: within 5% (MobileNet v1's paper)
};

void check_counts(const Published &p) {
    CAPTURE(p.reference);
    const analysis::ModelInfo info = analysis::analyse(frontend::load_model(p.reference));
    if (p.params != 0) CHECK(info.params == p.params);
    if (p.params_approx != 0)
        CHECK(std::abs(static_cast<double>(info.params) - p.params_approx) <= 0.05 * p.params_approx);
    CHECK(std::abs(static_cast<double>(info.macs) - p.macs) <= 0.01 * p.macs);
}

} // namespace

TEST_CASE("torchvision models have exactly torchvision's parameter counts and its MACs") {
    const Published models[] = {
        {"zoo:alexnet", 61100840, 0.71e9},
        {"zoo:vgg11", 132863336, 7.61e9},
        {"zoo:vgg16", 138357544, 15.47e9},
        {"zoo:vgg19", 143667240, 19.63e9},
        {"zoo:googlenet", 6624904, 1.50e9},
        {"zoo:inception_v3", 23834568, 5.71e9},
        {"zoo:resnet18", 11689512, 1.81e9},
        {"zoo:resnet34", 21797672, 3.66e9},
        {"zoo:resnet50", 25557032, 4.09e9},
        {"zoo:resnet101", 44549160, 7.80e9},
        {"zoo:resnet152", 60192808, 11.51e9},
        {"zoo:resnext50_32x4d", 25028904, 4.23e9},
        {"zoo:resnext101_32x8d", 88791336, 16.41e9},
        {"zoo:densenet121", 7978856, 2.83e9},
        {"zoo:densenet161", 28681000, 7.73e9},
        {"zoo:densenet169", 14149480, 3.36e9},
        {"zoo:densenet201", 20013928, 4.29e9},
        {"zoo:mobilenet_v2", 3504872, 0.30e9},
        {"zoo:shufflenet_v2_x0_5", 1366792, 0.04e9},
        {"zoo:shufflenet_v2_x1_0", 2278604, 0.14e9},
        {"zoo:shufflenet_v2_x1_5", 3503624, 0.30e9},
        {"zoo:shufflenet_v2_x2_0", 7393996, 0.58e9},
        {"zoo:squeezenet1_1", 1235496, 0.35e9},
    };
    for (const auto &m : models) {
        // torchvision rounds GFLOPS to two decimals; for the small nets that rounding alone is
        // more than 1%, so their MACs are checked to the rounding instead.
        if (m.macs < 1e9) {
            CAPTURE(m.reference);
            const analysis::ModelInfo info = analysis::analyse(frontend::load_model(m.reference));
            CHECK(info.params == m.params);
            CHECK(std::abs(static_cast<double>(info.macs) - m.macs) <= 0.005e9);
        } else {
            check_counts(m);
        }
    }
}

TEST_CASE("ResNet-50 has 4.09 G MACs to within 1%, and 4,089,184,256 exactly by our count") {
    const analysis::ModelInfo info = analysis::analyse(frontend::load_model("zoo:resnet50"));
    CHECK(info.params == 25557032);
    CHECK(info.macs == 4089184256);
    CHECK(std::abs(static_cast<double>(info.macs) - 4.09e9) <= 0.01 * 4.09e9);
    // 53 BN layers' running mean and variance: reported, never counted as parameters.
    CHECK(info.statistics == 2 * 26560);
}

TEST_CASE("MobileNet v1 matches its paper's width-multiplier table (224x224)") {
    // Howard et al. 2017, table 6: alpha -> million mult-adds, million parameters.
    check_counts({"zoo:mobilenet_v1", 0, 569e6, 4.2e6});
    check_counts({"zoo:mobilenet_v1?width=0.75", 0, 325e6, 2.6e6});
    check_counts({"zoo:mobilenet_v1?width=0.5", 0, 149e6, 1.3e6});
    // 0.5 M in the paper is 470,072 rounded to one digit.
    const analysis::ModelInfo quarter =
        analysis::analyse(frontend::load_model("zoo:mobilenet_v1?width=0.25"));
    CHECK(std::abs(static_cast<double>(quarter.macs) - 41e6) <= 0.01 * 41e6);
    CHECK(std::lround(static_cast<double>(quarter.params) / 1e5) == 5);
}

TEST_CASE("MobileNet v1's resolution multiplier scales MACs, not parameters (table 7)") {
    // 1.0 MobileNet-160: 290 M mult-adds, 1.0 MobileNet-192: 418 M; 4.2 M parameters each.
    check_counts({"zoo:mobilenet_v1?input=160", 0, 290e6, 4.2e6});
    const auto a = analysis::analyse(frontend::load_model("zoo:mobilenet_v1?input=192"));
    const auto b = analysis::analyse(frontend::load_model("zoo:mobilenet_v1"));
    CHECK(a.params == b.params);
    CHECK(std::abs(static_cast<double>(a.macs) - 418e6) <= 0.01 * 418e6);
}

TEST_CASE("Bag of Tricks variants: B and torchvision agree, C/D add 19,232 stem parameters") {
    const auto a = analysis::analyse(frontend::load_model("zoo:resnet50_a"));
    const auto b = analysis::analyse(frontend::load_model("zoo:resnet50_b"));
    const auto c = analysis::analyse(frontend::load_model("zoo:resnet50_c"));
    const auto d = analysis::analyse(frontend::load_model("zoo:resnet50_d"));
    CHECK(a.params == 25557032);
    CHECK(b.params == 25557032);
    // The original's stride-2 1x1 discards 3/4 of the 3x3's input: fewer MACs (3.86 G vs 4.09 G).
    CHECK(a.macs < b.macs);
    CHECK(std::abs(static_cast<double>(a.macs) - 3.86e9) <= 0.01 * 3.86e9);
    // timm's resnet50d: 25,576,264 parameters; the average pool adds none.
    CHECK(c.params == 25576264);
    CHECK(d.params == 25576264);
    CHECK(c.macs == d.macs);
}
