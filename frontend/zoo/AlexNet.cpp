// AlexNet and its 2013 refinement ZFNet: large early kernels, ReLU, overlapping max pools and
// three fully connected layers that hold almost all the parameters.
//  - alexnet: torchvision's single-GPU variant (64/192 filters, no LRN, adaptive 6x6 pool).
//  - alexnet_lrn: the 2012 paper's network as Caffe's bvlc_alexnet lays it out for 227x227
//    input: 96 first-layer filters, LRN after conv1/conv2, convs 2, 4, 5 split in two groups
//    (the two GPUs).
//  - zfnet: Zeiler & Fergus's 7x7/2 first layer and 5x5/2 second layer, which they chose after
//    visualising AlexNet's aliased first-layer filters.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {

ValueId conv_relu(NetBuilder &b, ValueId x, const std::string &name, ConvSpec spec) {
    return b.relu(b.conv(x, name, spec.with_bias()), name + ".relu");
}

// The paper's constants: k=2, n=5, alpha=1e-4, beta=0.75. ONNX's LRN (our op) divides alpha by
// the window size, so it is given alpha * n to compute the paper's formula.
ValueId lrn(NetBuilder &b, ValueId x, const std::string &name) {
    ir::LrnAttrs a;
    a.size = 5, a.alpha = 1e-4 * 5, a.beta = 0.75, a.bias = 2.0;
    return b.lrn(x, name, a);
}

ValueId classifier(NetBuilder &b, ValueId x, const std::string &fc6, const std::string &fc7,
                   const std::string &fc8, int64_t classes) {
    x = b.relu(b.linear(x, fc6, 4096), fc6 + ".relu");
    x = b.relu(b.linear(x, fc7, 4096), fc7 + ".relu");
    return b.linear(x, fc8, classes);
}

} // namespace

ir::Graph alexnet(Shape s) {
    NetBuilder b("alexnet");
    ValueId x = b.input(3, s.input, s.input);
    x = conv_relu(b, x, "features.0", ConvSpec(64, 11).with_stride(4).with_pad(2));
    x = b.max_pool(x, "features.2", PoolSpec(3, 2));
    x = conv_relu(b, x, "features.3", ConvSpec(192, 5).with_pad(2));
    x = b.max_pool(x, "features.5", PoolSpec(3, 2));
    x = conv_relu(b, x, "features.6", ConvSpec(384, 3).with_pad(1));
    x = conv_relu(b, x, "features.8", ConvSpec(256, 3).with_pad(1));
    x = conv_relu(b, x, "features.10", ConvSpec(256, 3).with_pad(1));
    x = b.max_pool(x, "features.12", PoolSpec(3, 2));
    x = b.flatten(b.adaptive_avg_pool(x, "avgpool", 6), "flatten");
    return b.finish(classifier(b, x, "classifier.1", "classifier.4", "classifier.6", s.classes));
}

ir::Graph alexnet_lrn(Shape s) {
    NetBuilder b("alexnet_lrn");
    ValueId x = b.input(3, s.input, s.input);
    x = conv_relu(b, x, "conv1", ConvSpec(96, 11).with_stride(4));
    x = b.max_pool(lrn(b, x, "norm1"), "pool1", PoolSpec(3, 2));
    x = conv_relu(b, x, "conv2", ConvSpec(256, 5).with_pad(2).with_groups(2));
    x = b.max_pool(lrn(b, x, "norm2"), "pool2", PoolSpec(3, 2));
    x = conv_relu(b, x, "conv3", ConvSpec(384, 3).with_pad(1));
    x = conv_relu(b, x, "conv4", ConvSpec(384, 3).with_pad(1).with_groups(2));
    x = conv_relu(b, x, "conv5", ConvSpec(256, 3).with_pad(1).with_groups(2));
    x = b.flatten(b.max_pool(x, "pool5", PoolSpec(3, 2)), "flatten");
    return b.finish(classifier(b, x, "fc6", "fc7", "fc8", s.classes));
}

ir::Graph zfnet(Shape s) {
    NetBuilder b("zfnet");
    ValueId x = b.input(3, s.input, s.input);
    // Ceil-mode pools give the paper's 110 -> 55 and 26 -> 13 sizes at 224x224.
    x = conv_relu(b, x, "conv1", ConvSpec(96, 7).with_stride(2).with_pad(1));
    x = lrn(b, b.max_pool(x, "pool1", PoolSpec(3, 2).with_ceil()), "norm1");
    x = conv_relu(b, x, "conv2", ConvSpec(256, 5).with_stride(2));
    x = lrn(b, b.max_pool(x, "pool2", PoolSpec(3, 2).with_ceil()), "norm2");
    x = conv_relu(b, x, "conv3", ConvSpec(384, 3).with_pad(1));
    x = conv_relu(b, x, "conv4", ConvSpec(384, 3).with_pad(1));
    x = conv_relu(b, x, "conv5", ConvSpec(256, 3).with_pad(1));
    x = b.flatten(b.max_pool(x, "pool5", PoolSpec(3, 2)), "flatten");
    return b.finish(classifier(b, x, "fc6", "fc7", "fc8", s.classes));
}

} // namespace cnnc::frontend::zoo
