// The zoo's one table: name -> builder, parameters, one-line description; and the parsing of
// `NAME?key=value&key=value` against it. Errors name the whole reference and say what is
// accepted, since the user typed it on a command line and wants to fix it in one go.
#include "frontend/Zoo.h"

#include "frontend/zoo/Families.h"
#include "ir/Error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace cnnc::frontend {

using zoo::Shape;

namespace {

ZooParam input_param(int64_t size) {
    return {"input", ZooParam::Kind::integer, std::to_string(size),
            "input height and width in pixels"};
}
ZooParam classes_param(int64_t classes) {
    return {"classes", ZooParam::Kind::integer, std::to_string(classes), "number of output logits"};
}
ZooParam width_param(const std::string &help) {
    return {"width", ZooParam::Kind::real, "1.0", help};
}

Shape shape(const ZooArgs &a) { return {a.integer("input"), a.integer("classes")}; }

// An ImageNet classifier: `input` and `classes`, plus any extra parameters.
ZooEntry imagenet(std::string name, std::string description, int64_t input,
                  std::function<ir::Graph(const ZooArgs &)> build, std::vector<ZooParam> extra = {}) {
    std::vector<ZooParam> params{input_param(input), classes_param(1000)};
    params.insert(params.end(), extra.begin(), extra.end());
    return {std::move(name), std::move(description), std::move(params), std::move(build)};
}

ZooEntry cifar(std::string name, std::string description,
               std::function<ir::Graph(const ZooArgs &)> build, std::vector<ZooParam> extra = {}) {
    std::vector<ZooParam> params{input_param(32), classes_param(10)};
    params.insert(params.end(), extra.begin(), extra.end());
    return {std::move(name), std::move(description), std::move(params), std::move(build)};
}

ZooEntry resnet_entry(const std::string &name, int depth, char variant, std::string description) {
    return imagenet(name, std::move(description), 224, [=](const ZooArgs &a) {
        zoo::ResNetConfig cfg;
        cfg.name = name, cfg.depth = depth, cfg.variant = variant;
        return zoo::resnet(cfg, shape(a));
    });
}

std::vector<ZooEntry> make_entries() {
    using namespace zoo;
    const auto study_width = width_param("multiplier on every layer's channels");
    std::vector<ZooEntry> e;
    e.push_back(imagenet("alexnet", "AlexNet, torchvision's single-GPU variant (64 first-layer "
                                    "filters, no LRN)",
                         224, [](const ZooArgs &a) { return alexnet(shape(a)); }));
    e.push_back(imagenet("alexnet_lrn", "AlexNet as in the 2012 paper: 96 filters, LRN, two "
                                        "groups (Caffe's bvlc_alexnet layout)",
                         227, [](const ZooArgs &a) { return alexnet_lrn(shape(a)); }));
    e.push_back(imagenet("zfnet", "ZFNet (Zeiler & Fergus 2013): AlexNet with a 7x7/2 first layer",
                         224, [](const ZooArgs &a) { return zfnet(shape(a)); }));
    for (int depth : {11, 13, 16, 19}) {
        const std::string name = fmt::format("vgg{}", depth);
        e.push_back(imagenet(name, fmt::format("VGG-{}, 3x3 convs only, no BN", depth), 224,
                             [=](const ZooArgs &a) { return vgg(name, depth, shape(a)); }));
    }
    e.push_back(imagenet("googlenet", "GoogLeNet / Inception v1 with BN, no auxiliary heads", 224,
                         [](const ZooArgs &a) { return googlenet(shape(a)); }));
    e.push_back(imagenet("inception_v3", "Inception v3 (factorised 7x7, 299x299), no auxiliary "
                                         "head",
                         299, [](const ZooArgs &a) { return inception_v3(shape(a)); }));
    for (int depth : {18, 34, 50, 101, 152})
        e.push_back(resnet_entry(fmt::format("resnet{}", depth), depth, 'b',
                                 fmt::format("ResNet-{} as torchvision builds it", depth)));
    e.push_back(resnet_entry("resnet50_a", 50, 'a',
                             "ResNet-50 as in the 2015 paper: stride 2 on the first 1x1 of a "
                             "downsampling block"));
    e.push_back(resnet_entry("resnet50_b", 50, 'b',
                             "ResNet-50-B (Bag of Tricks): stride 2 on the 3x3; the same network "
                             "as torchvision's resnet50"));
    e.push_back(resnet_entry("resnet50_c", 50, 'c',
                             "ResNet-50-C: B with the 7x7 stem replaced by three 3x3 convs"));
    e.push_back(resnet_entry("resnet50_d", 50, 'd',
                             "ResNet-50-D: C with a 2x2 average pool before the 1x1 projection "
                             "shortcut"));
    e.push_back(imagenet("resnext50_32x4d", "ResNeXt-50 32x4d: bottleneck 3x3 as 32 groups", 224,
                         [](const ZooArgs &a) { return resnext("resnext50_32x4d", 50, 32, 4, shape(a)); }));
    e.push_back(imagenet("resnext101_32x8d", "ResNeXt-101 32x8d", 224, [](const ZooArgs &a) {
        return resnext("resnext101_32x8d", 101, 32, 8, shape(a));
    }));
    struct DenseConfig {
        const char *name;
        int64_t growth;
        std::vector<int> blocks;
        int64_t init;
    };
    for (const DenseConfig &d : {DenseConfig{"densenet121", 32, {6, 12, 24, 16}, 64},
                                 DenseConfig{"densenet161", 48, {6, 12, 36, 24}, 96},
                                 DenseConfig{"densenet169", 32, {6, 12, 32, 32}, 64},
                                 DenseConfig{"densenet201", 32, {6, 12, 48, 32}, 64}}) {
        const std::string name = d.name;
        e.push_back(imagenet(name,
                             fmt::format("DenseNet-BC {}, growth {}, blocks {}", name.substr(8),
                                         d.growth, fmt::join(d.blocks, "-")),
                             224, [name, d](const ZooArgs &a) {
                                 return densenet(name, d.growth, d.blocks, d.init, shape(a));
                             }));
    }
    e.push_back(imagenet("mobilenet_v1", "MobileNet v1: depthwise-separable convs; width = alpha, "
                                         "input = resolution",
                         224,
                         [](const ZooArgs &a) { return mobilenet_v1(a.real("width"), shape(a)); },
                         {width_param("width multiplier alpha (paper: 1, 0.75, 0.5, 0.25)")}));
    e.push_back(imagenet("mobilenet_v2", "MobileNet v2: inverted residuals, linear bottlenecks", 224,
                         [](const ZooArgs &a) { return mobilenet_v2(a.real("width"), shape(a)); },
                         {width_param("width multiplier (channels rounded to multiples of 8)")}));
    struct ShuffleConfig {
        const char *name, *label;
        std::vector<int64_t> channels;
    };
    for (const ShuffleConfig &c :
         {ShuffleConfig{"shufflenet_v2_x0_5", "0.5", {24, 48, 96, 192, 1024}},
          ShuffleConfig{"shufflenet_v2_x1_0", "1.0", {24, 116, 232, 464, 1024}},
          ShuffleConfig{"shufflenet_v2_x1_5", "1.5", {24, 176, 352, 704, 1024}},
          ShuffleConfig{"shufflenet_v2_x2_0", "2.0", {24, 244, 488, 976, 2048}}}) {
        const std::string name = c.name;
        const auto channels = c.channels;
        e.push_back(imagenet(name, fmt::format("ShuffleNet v2 x{}: channel split and shuffle", c.label),
                             224, [name, channels](const ZooArgs &a) {
                                 return shufflenet_v2(name, channels, shape(a));
                             }));
    }
    e.push_back(imagenet("squeezenet1_1", "SqueezeNet 1.1: Fire modules, no FC layer", 224,
                         [](const ZooArgs &a) { return squeezenet1_1(shape(a)); }));
    e.push_back(cifar("dilated_cifar", "study: four 3x3 convs, dilation 1,2,4,8, no downsampling",
                      [](const ZooArgs &a) {
                          return cifar_study("dilated_cifar", StudyNet::dilated, a.real("width"), shape(a));
                      },
                      {study_width}));
    e.push_back(cifar("kernel_cifar", "study: four convs with kernels 3,5,7,9, no dilation",
                      [](const ZooArgs &a) {
                          return cifar_study("kernel_cifar", StudyNet::kernel, a.real("width"), shape(a));
                      },
                      {study_width}));
    e.push_back(cifar("strided_cifar", "study: four 3x3 convs, each with stride 2",
                      [](const ZooArgs &a) {
                          return cifar_study("strided_cifar", StudyNet::strided, a.real("width"), shape(a));
                      },
                      {study_width}));
    e.push_back(cifar("cascade3x3", "study: ten 3x3 convs, the receptive field of kernel_cifar",
                      [](const ZooArgs &a) {
                          return cifar_study("cascade3x3", StudyNet::cascade, a.real("width"), shape(a));
                      },
                      {study_width}));
    e.push_back(imagenet("dilated_resnet18", "ResNet-18 with layer3/layer4 strides replaced by "
                                             "dilation 2 and 4 (output stride 8)",
                         224, [](const ZooArgs &a) { return dilated_resnet18(shape(a)); }));
    e.push_back(cifar("allconv6", "all-convolutional 6-layer net with per-layer width multipliers",
                      [](const ZooArgs &a) {
                          return allconv6(a.real("width"), a.reals("widths"), shape(a));
                      },
                      {width_param("multiplier on every hidden layer"),
                       {"widths", ZooParam::Kind::real_list, "1,1,1,1,1",
                        "multiplier per hidden layer (5 values)", 5}}));
    e.push_back(cifar("crelu_net", "CReLU: early convs with half the filters, concatenated with "
                                   "their negation",
                      [](const ZooArgs &a) { return crelu_net(a.real("width"), shape(a)); },
                      {width_param("multiplier on every layer's channels")}));
    return e;
}

size_t edit_distance(const std::string &a, const std::string &b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// Parses one value of a parameter; nullopt if it is not of the parameter's kind and range.
std::optional<std::vector<double>> parse_value(const ZooParam &p, const std::string &text) {
    std::vector<double> out;
    size_t start = 0;
    while (true) {
        const size_t comma = p.kind == ZooParam::Kind::real_list ? text.find(',', start)
                                                                  : std::string::npos;
        const std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
        char *end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v) || v <= 0)
            return std::nullopt;
        if (p.kind == ZooParam::Kind::integer && (v != std::floor(v) || v > 1e6)) return std::nullopt;
        if (p.kind != ZooParam::Kind::integer && v > 64) return std::nullopt;
        out.push_back(v);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (p.list_size != 0 && out.size() != p.list_size) return std::nullopt;
    return out;
}

std::string expected_value(const ZooParam &p) {
    switch (p.kind) {
    case ZooParam::Kind::integer: return "a positive integer";
    case ZooParam::Kind::real: return "a positive number (at most 64)";
    case ZooParam::Kind::real_list:
        return p.list_size == 0 ? std::string("comma-separated positive numbers")
                                : fmt::format("{} comma-separated positive numbers", p.list_size);
    }
    internal_assert(false, "unknown parameter kind");
}

std::string param_names(const ZooEntry &entry) {
    std::vector<std::string> names;
    for (const auto &p : entry.params) names.push_back(p.name);
    return fmt::format("{}", fmt::join(names, ", "));
}

} // namespace

int64_t ZooArgs::integer(const std::string &name) const {
    const auto &v = values.at(name);
    internal_assert(v.size() == 1, "zoo parameter {} is not a scalar", name);
    return static_cast<int64_t>(v[0]);
}

double ZooArgs::real(const std::string &name) const {
    const auto &v = values.at(name);
    internal_assert(v.size() == 1, "zoo parameter {} is not a scalar", name);
    return v[0];
}

std::vector<double> ZooArgs::reals(const std::string &name) const { return values.at(name); }

const std::vector<ZooEntry> &zoo_entries() {
    static const std::vector<ZooEntry> entries = make_entries();
    return entries;
}

ir::Graph build_zoo_model(const std::string &reference) {
    const std::string where = "zoo:" + reference;
    const size_t question = reference.find('?');
    const std::string name = reference.substr(0, question);
    const auto &entries = zoo_entries();
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const ZooEntry &e) { return e.name == name; });
    if (it == entries.end()) {
        const ZooEntry *closest = nullptr;
        size_t best = 4; // suggest only near misses
        for (const auto &e : entries) {
            const size_t d = edit_distance(name, e.name);
            if (d < best) best = d, closest = &e;
        }
        user_error("{}: no model named '{}' in the zoo{} (`cnnc zoo list` shows all {})", where,
                   name, closest ? fmt::format("; did you mean '{}'?", closest->name) : "",
                   entries.size());
    }
    const ZooEntry &entry = *it;

    ZooArgs args;
    if (question != std::string::npos) {
        const std::string query = reference.substr(question + 1);
        size_t start = 0;
        while (start <= query.size()) {
            const size_t amp = query.find('&', start);
            const std::string pair = query.substr(start, amp == std::string::npos ? amp : amp - start);
            start = amp == std::string::npos ? query.size() + 1 : amp + 1;
            const size_t eq = pair.find('=');
            if (eq == std::string::npos || eq == 0)
                user_error("{}: expected key=value after '?', got '{}' ({} takes {})", where, pair,
                           name, param_names(entry));
            const std::string key = pair.substr(0, eq), text = pair.substr(eq + 1);
            auto p = std::find_if(entry.params.begin(), entry.params.end(),
                                  [&](const ZooParam &q) { return q.name == key; });
            if (p == entry.params.end())
                user_error("{}: {} has no parameter '{}' (it takes {})", where, name, key,
                           param_names(entry));
            if (args.values.count(key)) user_error("{}: parameter '{}' given twice", where, key);
            auto value = parse_value(*p, text);
            if (!value)
                user_error("{}: {} must be {}, got '{}'", where, key, expected_value(*p), text);
            args.values[key] = *value;
        }
    }
    for (const auto &p : entry.params)
        if (!args.values.count(p.name)) {
            auto value = parse_value(p, p.default_value);
            internal_assert(value.has_value(), "zoo:{}: bad default {}={}", name, p.name,
                            p.default_value);
            args.values[p.name] = *value;
        }

    try {
        return entry.build(args);
    } catch (const CompileError &e) {
        // Shape inference rejects a parameter the architecture cannot take (an input too small
        // for its downsampling); say which reference caused it.
        user_error("{}: the architecture does not fit these parameters: {}", where, e.what());
    }
}

} // namespace cnnc::frontend
