// DenseNet-BC (Huang et al. 2017) as torchvision builds it: each layer of a dense block reads
// the concatenation of every earlier feature map in the block (BN-ReLU-1x1 bottleneck to
// 4k channels, BN-ReLU-3x3 to k), and transitions halve channels and resolution. The repeated
// concats are kept as torchvision writes them; making them copy-free is the memory planner's job.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

constexpr int64_t bn_size = 4; // bottleneck width in multiples of the growth rate

ValueId bn_relu_conv(NetBuilder &b, ValueId x, const std::string &p, const std::string &suffix,
                     ConvSpec spec) {
    x = b.relu(b.batch_norm(x, p + ".norm" + suffix), p + ".relu" + suffix);
    return b.conv(x, p + ".conv" + suffix, spec);
}

} // namespace

ir::Graph densenet(const std::string &name, int64_t growth, const std::vector<int> &blocks,
                   int64_t init_features, Shape s) {
    NetBuilder b(name);
    ValueId x = b.input(3, s.input, s.input);
    x = b.conv(x, "features.conv0", ConvSpec(init_features, 7).with_stride(2).with_pad(3));
    x = b.relu(b.batch_norm(x, "features.norm0"), "features.relu0");
    x = b.max_pool(x, "features.pool0", PoolSpec(3, 2).with_pad(1));
    for (size_t i = 0; i < blocks.size(); ++i) {
        const std::string block = fmt::format("features.denseblock{}", i + 1);
        std::vector<ValueId> features{x};
        for (int j = 1; j <= blocks[i]; ++j) {
            const std::string p = fmt::format("{}.denselayer{}", block, j);
            ValueId in = features.size() == 1 ? features[0] : b.concat(features, p + ".cat");
            ValueId y = bn_relu_conv(b, in, p, "1", ConvSpec(bn_size * growth, 1));
            y = bn_relu_conv(b, y, p, "2", ConvSpec(growth, 3).with_pad(1));
            features.push_back(y);
        }
        x = b.concat(features, block);
        if (i + 1 < blocks.size()) {
            const std::string t = fmt::format("features.transition{}", i + 1);
            x = b.relu(b.batch_norm(x, t + ".norm"), t + ".relu");
            x = b.conv(x, t + ".conv", ConvSpec(b.channels(x) / 2, 1));
            x = b.avg_pool(x, t + ".pool", PoolSpec(2, 2));
        }
    }
    x = b.relu(b.batch_norm(x, "features.norm5"), "relu");
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "classifier", s.classes));
}

} // namespace cnnc::frontend::zoo
