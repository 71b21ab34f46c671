// MobileNets: depthwise-separable convolutions.
//  - v1 (Howard et al. 2017): 3x3 depthwise + 1x1 pointwise pairs with BN and ReLU, the width
//    multiplier alpha thinning every layer (TF-slim's rounding: int(c * alpha), at least 8) and
//    the resolution multiplier rho given as the input size. The paper's table 6/7 rows are the
//    published counts: 569 M mult-adds / 4.2 M params at alpha 1 and 224x224.
//  - v2 (Sandler et al. 2018) exactly as torchvision: inverted residual blocks with a linear
//    bottleneck, ReLU6, channels rounded by make_divisible(c * width, 8).
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include <cmath>
#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

ir::Graph mobilenet_v1(double width, Shape s) {
    NetBuilder b("mobilenet_v1");
    auto depth = [&](int64_t c) {
        return std::max<int64_t>(static_cast<int64_t>(static_cast<double>(c) * width), 8);
    };
    // (pointwise output channels, depthwise stride) of the 13 separable layers.
    const std::pair<int64_t, int64_t> layers[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},
                                                  {512, 2}, {512, 1}, {512, 1}, {512, 1}, {512, 1},
                                                  {512, 1}, {1024, 2}, {1024, 1}};
    ValueId x = b.input(3, s.input, s.input);
    x = b.conv_bn(x, "conv0", "bn0", ConvSpec(depth(32), 3).with_stride(2).with_pad(1), Act::relu);
    int i = 1;
    for (auto [channels, stride] : layers) {
        const std::string p = fmt::format("layers.{}", i++);
        x = b.conv_bn(x, p + ".dw", p + ".dw_bn",
                      ConvSpec(b.channels(x), 3).with_stride(stride).with_pad(1).with_groups(b.channels(x)),
                      Act::relu);
        x = b.conv_bn(x, p + ".pw", p + ".pw_bn", ConvSpec(depth(channels), 1), Act::relu);
    }
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "classifier", s.classes));
}

namespace {

ValueId inverted_residual(NetBuilder &b, ValueId x, const std::string &p, int64_t out,
                          int64_t stride, int64_t expand_ratio) {
    const int64_t in = b.channels(x);
    const int64_t hidden = static_cast<int64_t>(std::round(static_cast<double>(in * expand_ratio)));
    ValueId y = x;
    int index = 0; // torchvision's index into the block's `conv` Sequential
    auto next = [&] { return fmt::format("{}.conv.{}", p, index++); };
    if (expand_ratio != 1) {
        const std::string q = next();
        y = b.conv_bn(y, q + ".0", q + ".1", ConvSpec(hidden, 1), Act::relu6);
    }
    const std::string q = next();
    y = b.conv_bn(y, q + ".0", q + ".1",
                  ConvSpec(hidden, 3).with_stride(stride).with_pad(1).with_groups(hidden), Act::relu6);
    const std::string pw = next(), bn = next();
    y = b.conv_bn(y, pw, bn, ConvSpec(out, 1), Act::none); // linear bottleneck: no activation
    return stride == 1 && in == out ? b.add(x, y, p + ".add") : y;
}

} // namespace

ir::Graph mobilenet_v2(double width, Shape s) {
    NetBuilder b("mobilenet_v2");
    // (expansion t, channels c, repeats n, first stride s), the paper's table 2.
    const int64_t setting[][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    ValueId x = b.input(3, s.input, s.input);
    x = b.conv_bn(x, "features.0.0", "features.0.1",
                  ConvSpec(make_divisible(32 * width), 3).with_stride(2).with_pad(1), Act::relu6);
    int index = 1;
    for (const auto &row : setting) {
        const int64_t out = make_divisible(static_cast<double>(row[1]) * width);
        for (int64_t i = 0; i < row[2]; ++i)
            x = inverted_residual(b, x, fmt::format("features.{}", index++), out,
                                  i == 0 ? row[3] : 1, row[0]);
    }
    const std::string last = fmt::format("features.{}", index);
    x = b.conv_bn(x, last + ".0", last + ".1", ConvSpec(make_divisible(1280 * std::max(1.0, width)), 1),
                  Act::relu6);
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "classifier.1", s.classes));
}

} // namespace cnnc::frontend::zoo
