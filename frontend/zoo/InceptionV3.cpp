// Inception v3 (Szegedy et al. 2015) as torchvision builds it for 299x299 inference: factorised
// 7x7 into 1x7 + 7x1, grid reduction blocks (Mixed_6a, Mixed_7a), no auxiliary head. BN eps is
// 1e-3 and the branch pools are PyTorch's avg_pool2d, which counts padding.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

ValueId basic_conv(NetBuilder &b, ValueId x, const std::string &name, ConvSpec spec) {
    return b.conv_bn(x, name + ".conv", name + ".bn", spec, Act::relu, 1e-3);
}

ConvSpec k1x7(int64_t c) { return ConvSpec(c, ir::Hw{1, 7}).with_pad(ir::Hw{0, 3}); }
ConvSpec k7x1(int64_t c) { return ConvSpec(c, ir::Hw{7, 1}).with_pad(ir::Hw{3, 0}); }
ConvSpec k1x3(int64_t c) { return ConvSpec(c, ir::Hw{1, 3}).with_pad(ir::Hw{0, 1}); }
ConvSpec k3x1(int64_t c) { return ConvSpec(c, ir::Hw{3, 1}).with_pad(ir::Hw{1, 0}); }

ValueId pool_branch(NetBuilder &b, ValueId x, const std::string &p, int64_t channels) {
    ValueId y = b.avg_pool(x, p + ".branch_pool.avg", PoolSpec(3, 1).with_pad(1));
    return basic_conv(b, y, p + ".branch_pool", ConvSpec(channels, 1));
}

ValueId inception_a(NetBuilder &b, ValueId x, const std::string &p, int64_t pool_features) {
    ValueId b1 = basic_conv(b, x, p + ".branch1x1", ConvSpec(64, 1));
    ValueId b5 = basic_conv(b, x, p + ".branch5x5_1", ConvSpec(48, 1));
    b5 = basic_conv(b, b5, p + ".branch5x5_2", ConvSpec(64, 5).with_pad(2));
    ValueId b3 = basic_conv(b, x, p + ".branch3x3dbl_1", ConvSpec(64, 1));
    b3 = basic_conv(b, b3, p + ".branch3x3dbl_2", ConvSpec(96, 3).with_pad(1));
    b3 = basic_conv(b, b3, p + ".branch3x3dbl_3", ConvSpec(96, 3).with_pad(1));
    return b.concat({b1, b5, b3, pool_branch(b, x, p, pool_features)}, p);
}

ValueId inception_b(NetBuilder &b, ValueId x, const std::string &p) {
    ValueId b3 = basic_conv(b, x, p + ".branch3x3", ConvSpec(384, 3).with_stride(2));
    ValueId bd = basic_conv(b, x, p + ".branch3x3dbl_1", ConvSpec(64, 1));
    bd = basic_conv(b, bd, p + ".branch3x3dbl_2", ConvSpec(96, 3).with_pad(1));
    bd = basic_conv(b, bd, p + ".branch3x3dbl_3", ConvSpec(96, 3).with_stride(2));
    ValueId bp = b.max_pool(x, p + ".branch_pool", PoolSpec(3, 2));
    return b.concat({b3, bd, bp}, p);
}

ValueId inception_c(NetBuilder &b, ValueId x, const std::string &p, int64_t c7) {
    ValueId b1 = basic_conv(b, x, p + ".branch1x1", ConvSpec(192, 1));
    ValueId b7 = basic_conv(b, x, p + ".branch7x7_1", ConvSpec(c7, 1));
    b7 = basic_conv(b, b7, p + ".branch7x7_2", k1x7(c7));
    b7 = basic_conv(b, b7, p + ".branch7x7_3", k7x1(192));
    ValueId bd = basic_conv(b, x, p + ".branch7x7dbl_1", ConvSpec(c7, 1));
    bd = basic_conv(b, bd, p + ".branch7x7dbl_2", k7x1(c7));
    bd = basic_conv(b, bd, p + ".branch7x7dbl_3", k1x7(c7));
    bd = basic_conv(b, bd, p + ".branch7x7dbl_4", k7x1(c7));
    bd = basic_conv(b, bd, p + ".branch7x7dbl_5", k1x7(192));
    return b.concat({b1, b7, bd, pool_branch(b, x, p, 192)}, p);
}

ValueId inception_d(NetBuilder &b, ValueId x, const std::string &p) {
    ValueId b3 = basic_conv(b, x, p + ".branch3x3_1", ConvSpec(192, 1));
    b3 = basic_conv(b, b3, p + ".branch3x3_2", ConvSpec(320, 3).with_stride(2));
    ValueId b7 = basic_conv(b, x, p + ".branch7x7x3_1", ConvSpec(192, 1));
    b7 = basic_conv(b, b7, p + ".branch7x7x3_2", k1x7(192));
    b7 = basic_conv(b, b7, p + ".branch7x7x3_3", k7x1(192));
    b7 = basic_conv(b, b7, p + ".branch7x7x3_4", ConvSpec(192, 3).with_stride(2));
    ValueId bp = b.max_pool(x, p + ".branch_pool", PoolSpec(3, 2));
    return b.concat({b3, b7, bp}, p);
}

ValueId inception_e(NetBuilder &b, ValueId x, const std::string &p) {
    ValueId b1 = basic_conv(b, x, p + ".branch1x1", ConvSpec(320, 1));
    ValueId b3 = basic_conv(b, x, p + ".branch3x3_1", ConvSpec(384, 1));
    b3 = b.concat({basic_conv(b, b3, p + ".branch3x3_2a", k1x3(384)),
                   basic_conv(b, b3, p + ".branch3x3_2b", k3x1(384))},
                  p + ".branch3x3");
    ValueId bd = basic_conv(b, x, p + ".branch3x3dbl_1", ConvSpec(448, 1));
    bd = basic_conv(b, bd, p + ".branch3x3dbl_2", ConvSpec(384, 3).with_pad(1));
    bd = b.concat({basic_conv(b, bd, p + ".branch3x3dbl_3a", k1x3(384)),
                   basic_conv(b, bd, p + ".branch3x3dbl_3b", k3x1(384))},
                  p + ".branch3x3dbl");
    return b.concat({b1, b3, bd, pool_branch(b, x, p, 192)}, p);
}

} // namespace

ir::Graph inception_v3(Shape s) {
    NetBuilder b("inception_v3");
    ValueId x = b.input(3, s.input, s.input);
    x = basic_conv(b, x, "Conv2d_1a_3x3", ConvSpec(32, 3).with_stride(2));
    x = basic_conv(b, x, "Conv2d_2a_3x3", ConvSpec(32, 3));
    x = basic_conv(b, x, "Conv2d_2b_3x3", ConvSpec(64, 3).with_pad(1));
    x = b.max_pool(x, "maxpool1", PoolSpec(3, 2));
    x = basic_conv(b, x, "Conv2d_3b_1x1", ConvSpec(80, 1));
    x = basic_conv(b, x, "Conv2d_4a_3x3", ConvSpec(192, 3));
    x = b.max_pool(x, "maxpool2", PoolSpec(3, 2));
    x = inception_a(b, x, "Mixed_5b", 32);
    x = inception_a(b, x, "Mixed_5c", 64);
    x = inception_a(b, x, "Mixed_5d", 64);
    x = inception_b(b, x, "Mixed_6a");
    x = inception_c(b, x, "Mixed_6b", 128);
    x = inception_c(b, x, "Mixed_6c", 160);
    x = inception_c(b, x, "Mixed_6d", 160);
    x = inception_c(b, x, "Mixed_6e", 192);
    x = inception_d(b, x, "Mixed_7a");
    x = inception_e(b, x, "Mixed_7b");
    x = inception_e(b, x, "Mixed_7c");
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "fc", s.classes));
}

} // namespace cnnc::frontend::zoo
