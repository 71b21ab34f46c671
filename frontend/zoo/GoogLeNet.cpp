// GoogLeNet / Inception v1 (Szegedy et al. 2014) as torchvision builds it for inference: no
// auxiliary heads, BN after every conv (eps 1e-3), ceil-mode pools, and the "5x5" branch with
// the 3x3 kernel torchvision has always used (its published 6,624,904 parameters depend on it).
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

ValueId basic_conv(NetBuilder &b, ValueId x, const std::string &name, ConvSpec spec) {
    return b.conv_bn(x, name + ".conv", name + ".bn", spec, Act::relu, 1e-3);
}

ValueId inception(NetBuilder &b, ValueId x, const std::string &p, int64_t ch1x1, int64_t ch3x3red,
                  int64_t ch3x3, int64_t ch5x5red, int64_t ch5x5, int64_t pool_proj) {
    ValueId b1 = basic_conv(b, x, p + ".branch1", ConvSpec(ch1x1, 1));
    ValueId b2 = basic_conv(b, x, p + ".branch2.0", ConvSpec(ch3x3red, 1));
    b2 = basic_conv(b, b2, p + ".branch2.1", ConvSpec(ch3x3, 3).with_pad(1));
    ValueId b3 = basic_conv(b, x, p + ".branch3.0", ConvSpec(ch5x5red, 1));
    b3 = basic_conv(b, b3, p + ".branch3.1", ConvSpec(ch5x5, 3).with_pad(1));
    ValueId b4 = b.max_pool(x, p + ".branch4.0", PoolSpec(3, 1).with_pad(1).with_ceil());
    b4 = basic_conv(b, b4, p + ".branch4.1", ConvSpec(pool_proj, 1));
    return b.concat({b1, b2, b3, b4}, p);
}

} // namespace

ir::Graph googlenet(Shape s) {
    NetBuilder b("googlenet");
    ValueId x = b.input(3, s.input, s.input);
    x = basic_conv(b, x, "conv1", ConvSpec(64, 7).with_stride(2).with_pad(3));
    x = b.max_pool(x, "maxpool1", PoolSpec(3, 2).with_ceil());
    x = basic_conv(b, x, "conv2", ConvSpec(64, 1));
    x = basic_conv(b, x, "conv3", ConvSpec(192, 3).with_pad(1));
    x = b.max_pool(x, "maxpool2", PoolSpec(3, 2).with_ceil());
    x = inception(b, x, "inception3a", 64, 96, 128, 16, 32, 32);
    x = inception(b, x, "inception3b", 128, 128, 192, 32, 96, 64);
    x = b.max_pool(x, "maxpool3", PoolSpec(3, 2).with_ceil());
    x = inception(b, x, "inception4a", 192, 96, 208, 16, 48, 64);
    x = inception(b, x, "inception4b", 160, 112, 224, 24, 64, 64);
    x = inception(b, x, "inception4c", 128, 128, 256, 24, 64, 64);
    x = inception(b, x, "inception4d", 112, 144, 288, 32, 64, 64);
    x = inception(b, x, "inception4e", 256, 160, 320, 32, 128, 128);
    x = b.max_pool(x, "maxpool4", PoolSpec(2, 2).with_ceil());
    x = inception(b, x, "inception5a", 256, 160, 320, 32, 128, 128);
    x = inception(b, x, "inception5b", 384, 192, 384, 48, 128, 128);
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "fc", s.classes));
}

} // namespace cnnc::frontend::zoo
