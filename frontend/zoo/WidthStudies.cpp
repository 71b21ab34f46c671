// Width studies: how many channels each layer needs.
//  - allconv6: an all-convolutional net (Springenberg et al. 2015: strided convs instead of
//    pools, a 1x1 conv to the classes and a global average pool instead of FC layers) of six
//    conv layers, whose five hidden layers take a width multiplier each (`widths`) on top of a
//    global one (`width`), so per-layer width can be varied one layer at a time.
//  - crelu_net: CReLU (Shang et al. 2016): early filters come in negated pairs, so a conv with
//    half the filters, concatenated with its own negation, each through ReLU, gives the same
//    output width for half the parameters and MACs of those layers.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include "ir/Error.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {
int64_t scaled(int64_t c, double m) {
    return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(c) * m + 0.5));
}
} // namespace

ir::Graph allconv6(double width, const std::vector<double> &widths, Shape s) {
    const int64_t base[] = {64, 64, 128, 128, 256};
    const int64_t stride[] = {1, 2, 1, 2, 1};
    internal_assert(widths.size() == 5, "allconv6 given {} widths", widths.size());
    NetBuilder b("allconv6");
    ValueId x = b.input(3, s.input, s.input);
    for (int i = 0; i < 5; ++i)
        x = b.conv_bn(x, fmt::format("layers.{}.conv", i), fmt::format("layers.{}.bn", i),
                      ConvSpec(scaled(base[i], width * widths[i]), 3).with_stride(stride[i]).with_pad(1),
                      Act::relu);
    x = b.conv(x, "classifier", ConvSpec(s.classes, 1).with_bias());
    return b.finish(b.flatten(b.global_avg_pool(x, "avgpool"), "flatten"));
}

ir::Graph crelu_net(double width, Shape s) {
    NetBuilder b("crelu_net");
    ValueId x = b.input(3, s.input, s.input);
    // (output channels, stride, CReLU?) per layer; CReLU where filters pair up: the early layers.
    struct Layer {
        int64_t channels, stride;
        bool crelu;
    };
    const Layer layers[] = {{64, 1, true}, {128, 2, true}, {128, 1, false}, {256, 2, false}};
    for (int i = 0; i < 4; ++i) {
        const Layer &l = layers[i];
        const std::string p = fmt::format("layers.{}", i);
        const int64_t out = scaled(l.channels, width);
        if (l.crelu) {
            ValueId y = b.conv_bn(x, p + ".conv", p + ".bn",
                                  ConvSpec(std::max<int64_t>(1, out / 2), 3).with_stride(l.stride).with_pad(1),
                                  Act::none);
            x = b.concat({b.relu(y, p + ".pos"), b.relu(b.neg(y, p + ".neg"), p + ".negrelu")},
                         p + ".crelu");
        } else {
            x = b.conv_bn(x, p + ".conv", p + ".bn",
                          ConvSpec(out, 3).with_stride(l.stride).with_pad(1), Act::relu);
        }
    }
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "fc", s.classes));
}

} // namespace cnnc::frontend::zoo
