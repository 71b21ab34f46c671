// SqueezeNet 1.1 (Iandola et al. 2016, the v1.1 revision) as torchvision builds it: Fire
// modules (a 1x1 "squeeze" feeding parallel 1x1 and 3x3 "expand" convs, concatenated), no fully
// connected layer (a 1x1 conv to the classes, then a global average pool), ceil-mode pools.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

ValueId conv_relu(NetBuilder &b, ValueId x, const std::string &name, ConvSpec spec) {
    return b.relu(b.conv(x, name, spec.with_bias()), name + ".relu");
}

ValueId fire(NetBuilder &b, ValueId x, int index, int64_t squeeze, int64_t expand) {
    const std::string p = fmt::format("features.{}", index);
    ValueId s = conv_relu(b, x, p + ".squeeze", ConvSpec(squeeze, 1));
    ValueId e1 = conv_relu(b, s, p + ".expand1x1", ConvSpec(expand, 1));
    ValueId e3 = conv_relu(b, s, p + ".expand3x3", ConvSpec(expand, 3).with_pad(1));
    return b.concat({e1, e3}, p);
}

} // namespace

ir::Graph squeezenet1_1(Shape s) {
    NetBuilder b("squeezenet1_1");
    ValueId x = b.input(3, s.input, s.input);
    x = conv_relu(b, x, "features.0", ConvSpec(64, 3).with_stride(2));
    x = b.max_pool(x, "features.2", PoolSpec(3, 2).with_ceil());
    x = fire(b, x, 3, 16, 64);
    x = fire(b, x, 4, 16, 64);
    x = b.max_pool(x, "features.5", PoolSpec(3, 2).with_ceil());
    x = fire(b, x, 6, 32, 128);
    x = fire(b, x, 7, 32, 128);
    x = b.max_pool(x, "features.8", PoolSpec(3, 2).with_ceil());
    x = fire(b, x, 9, 48, 192);
    x = fire(b, x, 10, 48, 192);
    x = fire(b, x, 11, 64, 256);
    x = fire(b, x, 12, 64, 256);
    x = conv_relu(b, x, "classifier.1", ConvSpec(s.classes, 1));
    x = b.global_avg_pool(x, "classifier.3");
    return b.finish(b.flatten(x, "flatten"));
}

} // namespace cnnc::frontend::zoo
