// ShuffleNet v2 (Ma et al. 2018) as torchvision builds it. A stride-1 unit splits the channels
// in two, transforms one half (1x1, 3x3 depthwise, 1x1) and concatenates it with the untouched
// half; a stride-2 unit transforms both halves of a copy. Every unit ends with a channel
// shuffle (view-transpose-view) so information crosses between the halves.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

ValueId unit(NetBuilder &b, ValueId x, const std::string &p, int64_t out, int64_t stride) {
    const int64_t half = out / 2;
    auto depthwise = [&](ValueId v, int64_t channels) {
        return ConvSpec(channels, 3).with_stride(stride).with_pad(1).with_groups(channels);
    };
    ValueId left, right;
    if (stride > 1) {
        left = b.conv_bn(x, p + ".branch1.0", p + ".branch1.1", depthwise(x, b.channels(x)), Act::none);
        left = b.conv_bn(left, p + ".branch1.2", p + ".branch1.3", ConvSpec(half, 1), Act::relu);
        right = x;
    } else {
        const int64_t c = b.channels(x);
        auto halves = b.split(x, {c / 2, c - c / 2}, p + ".chunk");
        left = halves[0], right = halves[1];
    }
    right = b.conv_bn(right, p + ".branch2.0", p + ".branch2.1", ConvSpec(half, 1), Act::relu);
    right = b.conv_bn(right, p + ".branch2.3", p + ".branch2.4", depthwise(right, half), Act::none);
    right = b.conv_bn(right, p + ".branch2.5", p + ".branch2.6", ConvSpec(half, 1), Act::relu);
    return b.channel_shuffle(b.concat({left, right}, p + ".cat"), 2, p);
}

} // namespace

ir::Graph shufflenet_v2(const std::string &name, const std::vector<int64_t> &channels, Shape s) {
    NetBuilder b(name);
    const int repeats[] = {4, 8, 4};
    ValueId x = b.input(3, s.input, s.input);
    x = b.conv_bn(x, "conv1.0", "conv1.1", ConvSpec(channels[0], 3).with_stride(2).with_pad(1),
                  Act::relu);
    x = b.max_pool(x, "maxpool", PoolSpec(3, 2).with_pad(1));
    for (int stage = 0; stage < 3; ++stage)
        for (int i = 0; i < repeats[stage]; ++i)
            x = unit(b, x, fmt::format("stage{}.{}", stage + 2, i), channels[stage + 1],
                     i == 0 ? 2 : 1);
    x = b.conv_bn(x, "conv5.0", "conv5.1", ConvSpec(channels[4], 1), Act::relu);
    // torchvision takes x.mean([2, 3]): a global average pool.
    x = b.flatten(b.global_avg_pool(x, "mean"), "flatten");
    return b.finish(b.linear(x, "fc", s.classes));
}

} // namespace cnnc::frontend::zoo
