// The zoo's builders, one function per architecture family (one .cpp each), taking the
// family's own knobs explicitly. ZooRegistry.cpp binds names and `?key=value` parameters to
// these; nothing outside frontend/zoo/ calls them.
#pragma once

#include "ir/Graph.h"

#include <array>
#include <string>
#include <vector>

namespace cnnc::frontend::zoo {

// Common to every builder: the square input size and the number of logits.
struct Shape {
    int64_t input;
    int64_t classes;
};

// AlexNet.cpp
ir::Graph alexnet(Shape s);     // torchvision's single-tower variant (64 first-layer filters)
ir::Graph alexnet_lrn(Shape s); // Krizhevsky et al. 2012: 96 filters, LRN, overlapping pools
ir::Graph zfnet(Shape s);       // Zeiler & Fergus 2013: 7x7/2 first layer

// Vgg.cpp: depth 11, 13, 16 or 19 (configurations A, B, D, E), no BN.
ir::Graph vgg(const std::string &name, int depth, Shape s);

// GoogLeNet.cpp, InceptionV3.cpp: without the auxiliary heads (inference graphs).
ir::Graph googlenet(Shape s);
ir::Graph inception_v3(Shape s);

// ResNet.cpp. `variant` is the "Bag of Tricks" letter: 'a' the original (stride on the first
// 1x1 of a bottleneck), 'b' stride on the 3x3 (torchvision's resnet50), 'c' b plus a stem of
// three 3x3 convs, 'd' c plus a 2x2 average pool before the 1x1 projection shortcut.
struct ResNetConfig {
    std::string name;
    int depth = 50; // 18, 34 (basic blocks) or 50, 101, 152 (bottlenecks)
    char variant = 'b';
    int64_t groups = 1, width_per_group = 64; // ResNeXt: 32 and 4
    // torchvision's replace_stride_with_dilation for layer2..4: the stride-2 conv keeps
    // stride 1 and the layer's 3x3 convs dilate by the accumulated stride instead.
    std::array<bool, 3> dilate{false, false, false};
};
ir::Graph resnet(const ResNetConfig &config, Shape s);

// ResNeXt.cpp
ir::Graph resnext(const std::string &name, int depth, int64_t groups, int64_t width_per_group,
                  Shape s);

// DenseNet.cpp: growth rate k, layers per dense block, stem width (DenseNet-BC, bn_size 4).
ir::Graph densenet(const std::string &name, int64_t growth, const std::vector<int> &blocks,
                   int64_t init_features, Shape s);

// MobileNet.cpp
ir::Graph mobilenet_v1(double width, Shape s);
ir::Graph mobilenet_v2(double width, Shape s);

// ShuffleNet.cpp: `channels` = torchvision's stages_out_channels (5 entries).
ir::Graph shufflenet_v2(const std::string &name, const std::vector<int64_t> &channels, Shape s);

// SqueezeNet.cpp
ir::Graph squeezenet1_1(Shape s);

// Dilated.cpp: the dilated-vs-downsampling study (CIFAR-sized).
enum class StudyNet { dilated, kernel, strided, cascade };
ir::Graph cifar_study(const std::string &name, StudyNet kind, double width, Shape s);
ir::Graph dilated_resnet18(Shape s);

// WidthStudies.cpp. `widths` multiplies the five hidden layers one by one, on top of `width`.
ir::Graph allconv6(double width, const std::vector<double> &widths, Shape s);
ir::Graph crelu_net(double width, Shape s);

} // namespace cnnc::frontend::zoo
