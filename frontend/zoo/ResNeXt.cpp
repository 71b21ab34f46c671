// ResNeXt (Xie et al. 2017): a ResNet bottleneck whose 3x3 conv is split into `groups` paths of
// `width_per_group` channels each (grouped convolution), as torchvision's resnext50_32x4d.
#include "frontend/zoo/Families.h"

namespace cnnc::frontend::zoo {

ir::Graph resnext(const std::string &name, int depth, int64_t groups, int64_t width_per_group,
                  Shape s) {
    ResNetConfig cfg;
    cfg.name = name;
    cfg.depth = depth;
    cfg.variant = 'b';
    cfg.groups = groups;
    cfg.width_per_group = width_per_group;
    return resnet(cfg, s);
}

} // namespace cnnc::frontend::zoo
