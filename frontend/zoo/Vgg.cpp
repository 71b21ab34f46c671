// VGG (Simonyan & Zisserman 2014): only 3x3 convs and 2x2 pools, depth as the one knob, as
// torchvision builds configurations A (vgg11), B (vgg13), D (vgg16) and E (vgg19) without BN.
// Its 7x7x512 -> 4096 classifier layer alone holds 103 M of VGG-16's 138 M parameters.
#include "frontend/zoo/Families.h"
#include "frontend/zoo/NetBuilder.h"

#include "ir/Error.h"

#include <fmt/format.h>

namespace cnnc::frontend::zoo {

using ir::ValueId;

namespace {
// Output channels per conv; 0 marks a 2x2 max pool (torchvision's 'M').
std::vector<int64_t> config(int depth) {
    switch (depth) {
    case 11: return {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    case 13: return {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    case 16:
        return {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
    case 19:
        return {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                512, 512, 512, 512, 0,   512, 512, 512, 512, 0};
    }
    internal_assert(false, "no VGG of depth {}", depth);
}
} // namespace

ir::Graph vgg(const std::string &name, int depth, Shape s) {
    NetBuilder b(name);
    ValueId x = b.input(3, s.input, s.input);
    int index = 0; // torchvision's index into `features` (conv, relu, and pool each count)
    for (int64_t channels : config(depth)) {
        const std::string layer = fmt::format("features.{}", index);
        if (channels == 0) {
            x = b.max_pool(x, layer, PoolSpec(2, 2));
            index += 1;
        } else {
            x = b.conv(x, layer, ConvSpec(channels, 3).with_pad(1).with_bias());
            x = b.relu(x, layer + ".relu");
            index += 2;
        }
    }
    x = b.flatten(b.adaptive_avg_pool(x, "avgpool", 7), "flatten");
    x = b.relu(b.linear(x, "classifier.0", 4096), "classifier.1");
    x = b.relu(b.linear(x, "classifier.3", 4096), "classifier.4");
    return b.finish(b.linear(x, "classifier.6", s.classes));
}

} // namespace cnnc::frontend::zoo
