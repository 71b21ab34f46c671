// ResNet (He et al. 2015) as torchvision builds it, plus the "Bag of Tricks" variants (He et al.
// 2018) and the knobs ResNeXt and dilated ResNets need (groups, width per group, dilation).
// torchvision's Bottleneck puts the stride on the 3x3 conv ("ResNet v1.5"), which is exactly
// ResNet-B; variant 'a' restores the paper's stride on the first 1x1.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include "ir/Error.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

struct ResNetBuilder {
    NetBuilder &b;
    const ResNetConfig &cfg;
    bool bottleneck;
    int64_t expansion;
    int64_t dilation = 1;

    // The projection shortcut: 1x1 conv + BN, or for ResNet-D an average pool first so the
    // 1x1 conv sees every input pixel instead of a quarter of them.
    ValueId downsample(ValueId x, const std::string &p, int64_t out, int64_t stride) {
        if (cfg.variant == 'd' && stride > 1) {
            PoolSpec pool(stride, stride);
            pool.with_ceil().with_count_include_pad(false);
            ValueId pooled = b.avg_pool(x, p + ".downsample.0", pool);
            ValueId c = b.conv(pooled, p + ".downsample.1", ConvSpec(out, 1));
            return b.batch_norm(c, p + ".downsample.2");
        }
        ValueId c = b.conv(x, p + ".downsample.0", ConvSpec(out, 1).with_stride(stride));
        return b.batch_norm(c, p + ".downsample.1");
    }

    ValueId block(ValueId x, const std::string &p, int64_t planes, int64_t stride,
                  int64_t conv_dilation) {
        const int64_t out = planes * expansion;
        ValueId y;
        if (bottleneck) {
            const int64_t width = planes * cfg.width_per_group / 64 * cfg.groups;
            const int64_t s1 = cfg.variant == 'a' ? stride : 1, s2 = cfg.variant == 'a' ? 1 : stride;
            y = b.conv_bn(x, p + ".conv1", p + ".bn1", ConvSpec(width, 1).with_stride(s1), Act::relu);
            y = b.conv_bn(y, p + ".conv2", p + ".bn2",
                          ConvSpec(width, 3)
                              .with_stride(s2)
                              .with_dilation(conv_dilation)
                              .with_same_pad()
                              .with_groups(cfg.groups),
                          Act::relu);
            y = b.conv_bn(y, p + ".conv3", p + ".bn3", ConvSpec(out, 1), Act::none);
        } else {
            y = b.conv_bn(x, p + ".conv1", p + ".bn1",
                          ConvSpec(planes, 3).with_stride(stride).with_dilation(conv_dilation).with_same_pad(),
                          Act::relu);
            y = b.conv_bn(y, p + ".conv2", p + ".bn2",
                          ConvSpec(planes, 3).with_dilation(dilation).with_same_pad(), Act::none);
        }
        ValueId shortcut = (stride != 1 || b.channels(x) != out) ? downsample(x, p, out, stride) : x;
        return b.relu(b.add(y, shortcut, p + ".add"), p + ".relu");
    }

    // torchvision's _make_layer: with `dilate`, the stride becomes dilation; the layer's first
    // block still uses the previous dilation for its strided conv.
    ValueId layer(ValueId x, int index, int64_t planes, int blocks, int64_t stride, bool dilate) {
        const int64_t previous = dilation;
        if (dilate) dilation *= stride, stride = 1;
        const std::string p = fmt::format("layer{}", index);
        x = block(x, p + ".0", planes, stride, previous);
        for (int i = 1; i < blocks; ++i) x = block(x, fmt::format("{}.{}", p, i), planes, 1, dilation);
        return x;
    }
};

std::array<int, 4> blocks_for_depth(const std::string &name, int depth) {
    switch (depth) {
    case 18: return {2, 2, 2, 2};
    case 34: return {3, 4, 6, 3};
    case 50: return {3, 4, 6, 3};
    case 101: return {3, 4, 23, 3};
    case 152: return {3, 8, 36, 3};
    }
    internal_assert(false, "{}: no ResNet of depth {}", name, depth);
}

} // namespace

ir::Graph resnet(const ResNetConfig &cfg, Shape s) {
    NetBuilder b(cfg.name);
    const auto blocks = blocks_for_depth(cfg.name, cfg.depth);
    const bool bottleneck = cfg.depth >= 50;
    ResNetBuilder r{b, cfg, bottleneck, bottleneck ? 4 : 1};

    ValueId x = b.input(3, s.input, s.input);
    if (cfg.variant == 'c' || cfg.variant == 'd') {
        // ResNet-C: three 3x3 convs cost about the same as one 7x7 and see the same 7x7 field
        // with two more non-linearities (timm's layout and names).
        x = b.conv_bn(x, "conv1.0", "conv1.1", ConvSpec(32, 3).with_stride(2).with_pad(1), Act::relu);
        x = b.conv_bn(x, "conv1.3", "conv1.4", ConvSpec(32, 3).with_pad(1), Act::relu);
        x = b.conv(x, "conv1.6", ConvSpec(64, 3).with_pad(1));
        x = b.relu(b.batch_norm(x, "bn1"), "relu");
    } else {
        x = b.conv_bn(x, "conv1", "bn1", ConvSpec(64, 7).with_stride(2).with_pad(3), Act::relu);
    }
    x = b.max_pool(x, "maxpool", PoolSpec(3, 2).with_pad(1));
    x = r.layer(x, 1, 64, blocks[0], 1, false);
    x = r.layer(x, 2, 128, blocks[1], 2, cfg.dilate[0]);
    x = r.layer(x, 3, 256, blocks[2], 2, cfg.dilate[1]);
    x = r.layer(x, 4, 512, blocks[3], 2, cfg.dilate[2]);
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "fc", s.classes));
}

} // namespace cnnc::frontend::zoo
