// A thin layer over ir::Graph for writing the zoo's architectures the way papers and
// torchvision describe them: "conv 3x3/2, BN, ReLU", "linear 4096". Each call adds one op,
// gives its result the type shape inference derives (so the next call knows its channel count,
// and a mistake in a builder surfaces at the line that made it), and creates the op's weights as
// seeded, lazy constants: ConstantData::from_init with a seed from the weight's name, so counting
// parameters never generates a value and every run generates the same ones.
//
// Weights are named as torchvision's state_dict keys ("layer1.0.conv1.weight",
// "features.0.1.running_var"), which is what lets a test load cnnc's weights into the matching
// torchvision model by name.
#pragma once

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc::frontend::zoo {

struct ConvSpec {
    int64_t out_channels;
    ir::Hw kernel;
    ir::Hw stride{1, 1};
    ir::Pads pad{0, 0, 0, 0};
    ir::Hw dilation{1, 1};
    int64_t groups = 1;
    bool bias = false;

    ConvSpec(int64_t out, int64_t k) : out_channels(out), kernel{k, k} {}
    ConvSpec(int64_t out, ir::Hw k) : out_channels(out), kernel(k) {}
    ConvSpec &with_stride(int64_t s) { return stride = {s, s}, *this; }
    ConvSpec &with_pad(int64_t p) { return pad = {p, p, p, p}, *this; }
    ConvSpec &with_pad(ir::Hw p) { return pad = {p[0], p[1], p[0], p[1]}, *this; }
    // Padding that keeps the spatial size at stride 1: dilation * (k - 1) / 2 per side.
    ConvSpec &with_same_pad();
    ConvSpec &with_dilation(int64_t d) { return dilation = {d, d}, *this; }
    ConvSpec &with_groups(int64_t g) { return groups = g, *this; }
    ConvSpec &with_bias(bool b = true) { return bias = b, *this; }
};

struct PoolSpec {
    ir::Hw kernel;
    ir::Hw stride;
    ir::Pads pad{0, 0, 0, 0};
    bool ceil_mode = false;
    // PyTorch's avg_pool2d counts padding by default (Inception v3 relies on it).
    bool count_include_pad = true;

    PoolSpec(int64_t k, int64_t s) : kernel{k, k}, stride{s, s} {}
    PoolSpec &with_pad(int64_t p) { return pad = {p, p, p, p}, *this; }
    PoolSpec &with_ceil(bool c = true) { return ceil_mode = c, *this; }
    PoolSpec &with_count_include_pad(bool c) { return count_include_pad = c, *this; }
};

enum class Act { none, relu, relu6 };

class NetBuilder {
  public:
    // `model` names the graph and salts every weight seed, so two models sharing a layer name
    // still get independent weights.
    explicit NetBuilder(std::string model);

    // The graph input "input", f32 NCHW with batch 1.
    ir::ValueId input(int64_t channels, int64_t height, int64_t width);

    // conv2d with weight `<name>.weight` (He-normal) and, if spec.bias, `<name>.bias`
    // (uniform ±1/sqrt(fan_in), PyTorch's default). The result value is named `name`.
    ir::ValueId conv(ir::ValueId x, const std::string &name, const ConvSpec &spec);
    // Inference-mode BatchNorm with `<name>.weight/.bias/.running_mean/.running_var`, drawn
    // from ranges that keep activations in scale but make every statistic matter.
    ir::ValueId batch_norm(ir::ValueId x, const std::string &name, double epsilon = 1e-5);
    ir::ValueId activation(ir::ValueId x, Act act, const std::string &name);
    ir::ValueId relu(ir::ValueId x, const std::string &name) { return activation(x, Act::relu, name); }
    // conv (no bias) -> BN -> act: the unit of almost every post-2015 CNN.
    ir::ValueId conv_bn(ir::ValueId x, const std::string &conv_name, const std::string &bn_name,
                        ConvSpec spec, Act act, double epsilon = 1e-5);

    ir::ValueId max_pool(ir::ValueId x, const std::string &name, const PoolSpec &spec);
    ir::ValueId avg_pool(ir::ValueId x, const std::string &name, const PoolSpec &spec);
    ir::ValueId global_avg_pool(ir::ValueId x, const std::string &name);
    // torchvision's AdaptiveAvgPool2d((n, n)) for the sizes it can be expressed exactly: the
    // identity when already n×n, a plain average pool when the size is a multiple of n, a
    // nearest-neighbour replication when n is a multiple of it. Other sizes are a user error.
    ir::ValueId adaptive_avg_pool(ir::ValueId x, const std::string &name, int64_t n);

    ir::ValueId flatten(ir::ValueId x, const std::string &name);
    // PyTorch's nn.Linear: gemm(x, W[out,in]ᵀ) + b, weights `<name>.weight`, `<name>.bias`.
    ir::ValueId linear(ir::ValueId x, const std::string &name, int64_t out_features);

    ir::ValueId lrn(ir::ValueId x, const std::string &name, const ir::LrnAttrs &attrs);
    ir::ValueId add(ir::ValueId a, ir::ValueId b, const std::string &name);
    ir::ValueId neg(ir::ValueId x, const std::string &name);
    ir::ValueId concat(const std::vector<ir::ValueId> &xs, const std::string &name);
    std::vector<ir::ValueId> split(ir::ValueId x, const std::vector<int64_t> &sizes,
                                   const std::string &name);
    ir::ValueId reshape(ir::ValueId x, const std::vector<int64_t> &shape, const std::string &name);
    ir::ValueId transpose(ir::ValueId x, const std::vector<int64_t> &perm, const std::string &name);
    // ShuffleNet's channel shuffle as torchvision writes it: view(N, g, C/g, H, W),
    // transpose(1, 2), view(N, C, H, W).
    ir::ValueId channel_shuffle(ir::ValueId x, int64_t groups, const std::string &name);

    const ir::TensorType &type(ir::ValueId v) const { return g_.type(v); }
    int64_t channels(ir::ValueId v) const { return type(v).dims.at(1); }
    const std::string &model() const { return g_.name; }

    // Marks `output` as the graph's only output and hands the graph over.
    ir::Graph finish(ir::ValueId output);

  private:
    ir::ValueId weight(const std::string &name, ir::Dims dims, ir::Initializer init);
    std::vector<ir::ValueId> add_op(ir::OpKind kind, std::vector<ir::ValueId> inputs,
                                    ir::Attrs attrs, const std::vector<std::string> &names);
    ir::ValueId add_op1(ir::OpKind kind, std::vector<ir::ValueId> inputs, ir::Attrs attrs,
                        const std::string &name);

    ir::Graph g_;
};

// torchvision's _make_divisible: round to the nearest multiple of `divisor`, never going below
// `divisor` nor more than 10% below `value` (MobileNet v2's channel rounding).
int64_t make_divisible(double value, int64_t divisor = 8);

} // namespace cnnc::frontend::zoo
