// The dilated-vs-downsampling study: small CIFAR-sized nets that reach a given receptive field
// in different ways, to compare what each costs in MACs, parameters and activation memory.
//  - dilated_cifar: four 3x3 convs with dilation 1, 2, 4, 8 and no downsampling (RF 31).
//  - kernel_cifar:  the same widths with kernels 3, 5, 7, 9 and no dilation (RF 21).
//  - strided_cifar: four 3x3 convs each with stride 2 (RF 31, a quarter of the pixels per layer).
//  - cascade3x3:    ten plain 3x3 convs, the RF of kernel_cifar (21) from small kernels only.
//  - dilated_resnet18: ResNet-18 whose layer3/layer4 downsampling is replaced by dilation 2 and
//    4 (output stride 8, as in dilated residual networks for dense prediction).
// Every conv is followed by BN and ReLU; a global average pool and one linear layer classify.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

ir::Graph cifar_study(const std::string &name, StudyNet kind, double width, Shape s) {
    NetBuilder b(name);
    auto scaled = [&](int64_t c) {
        return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(c) * width));
    };
    std::vector<ConvSpec> convs;
    if (kind == StudyNet::cascade) {
        const int64_t widths[] = {32, 32, 64, 64, 64, 64, 128, 128, 128, 128};
        for (int64_t c : widths) convs.push_back(ConvSpec(scaled(c), 3).with_pad(1));
    } else {
        const int64_t widths[] = {32, 64, 64, 128};
        for (int i = 0; i < 4; ++i) {
            const int64_t c = scaled(widths[i]);
            switch (kind) {
            case StudyNet::dilated:
                convs.push_back(ConvSpec(c, 3).with_dilation(int64_t{1} << i).with_same_pad());
                break;
            case StudyNet::kernel: convs.push_back(ConvSpec(c, 3 + 2 * i).with_same_pad()); break;
            case StudyNet::strided: convs.push_back(ConvSpec(c, 3).with_stride(2).with_pad(1)); break;
            case StudyNet::cascade: break;
            }
        }
    }
    ValueId x = b.input(3, s.input, s.input);
    for (size_t i = 0; i < convs.size(); ++i)
        x = b.conv_bn(x, fmt::format("layers.{}.conv", i), fmt::format("layers.{}.bn", i), convs[i],
                      Act::relu);
    x = b.flatten(b.global_avg_pool(x, "avgpool"), "flatten");
    return b.finish(b.linear(x, "fc", s.classes));
}

ir::Graph dilated_resnet18(Shape s) {
    ResNetConfig cfg;
    cfg.name = "dilated_resnet18";
    cfg.depth = 18;
    cfg.dilate = {false, true, true};
    return resnet(cfg, s);
}

} // namespace cnnc::frontend::zoo
