// The zoo's builder helpers: ops typed as they are added, weights seeded by name and lazy.
#include "frontend/zoo/NetBuilder.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"

#include <cmath>

namespace cnnc::frontend::zoo {

using ir::Initializer;
using ir::OpKind;
using ir::ValueId;

namespace {

Initializer uniform(double lo, double hi) {
    Initializer init;
    init.kind = Initializer::Kind::uniform;
    init.lo = lo, init.hi = hi;
    return init;
}

Initializer he_normal() {
    Initializer init;
    init.kind = Initializer::Kind::he_normal;
    return init;
}

// PyTorch's default bias init for conv and linear layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Initializer fan_in_uniform(int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    return uniform(-bound, bound);
}

} // namespace

ConvSpec &ConvSpec::with_same_pad() {
    const int64_t ph = dilation[0] * (kernel[0] - 1) / 2, pw = dilation[1] * (kernel[1] - 1) / 2;
    pad = {ph, pw, ph, pw};
    return *this;
}

int64_t make_divisible(double value, int64_t divisor) {
    int64_t rounded = std::max<int64_t>(
        divisor, static_cast<int64_t>(value + static_cast<double>(divisor) / 2) / divisor * divisor);
    if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
    return rounded;
}

NetBuilder::NetBuilder(std::string model) { g_.name = std::move(model); }

ValueId NetBuilder::input(int64_t channels, int64_t height, int64_t width) {
    return g_.add_input("input", ir::TensorType{ir::DType::f32, {1, channels, height, width}},
                        g_.name);
}

ValueId NetBuilder::weight(const std::string &name, ir::Dims dims, Initializer init) {
    internal_assert(!g_.find_value(name), "{}: weight {} defined twice", g_.name, name);
    init.seed = ir::seed_from_name(g_.name + "/" + name);
    return g_.add_constant(
        name, ir::ConstantData::from_init(ir::TensorType{ir::DType::f32, std::move(dims)}, init),
        g_.name);
}

std::vector<ValueId> NetBuilder::add_op(OpKind kind, std::vector<ValueId> inputs, ir::Attrs attrs,
                                        const std::vector<std::string> &names) {
    std::vector<std::string> unique;
    for (const auto &n : names) unique.push_back(g_.unique_name(n));
    auto results = g_.add_op(kind, std::move(inputs), std::move(attrs), unique, g_.name);
    // Typing each op as it is added is what lets builders ask for channel counts; a shape error
    // here is a bug in the builder or a zoo parameter the architecture cannot take, and
    // infer_op_types reports it with the op's name.
    const ir::Op &op = g_.op(g_.value(results.front()).producer);
    auto types = ir::infer_op_types(g_, op);
    internal_assert(types.size() == results.size(), "{} results for {} types", results.size(),
                    types.size());
    for (size_t i = 0; i < results.size(); ++i) g_.value(results[i]).type = types[i];
    return results;
}

ValueId NetBuilder::add_op1(OpKind kind, std::vector<ValueId> inputs, ir::Attrs attrs,
                            const std::string &name) {
    return add_op(kind, std::move(inputs), std::move(attrs), {name}).front();
}

ValueId NetBuilder::conv(ValueId x, const std::string &name, const ConvSpec &spec) {
    const int64_t in_per_group = channels(x) / spec.groups;
    std::vector<ValueId> inputs{
        x, weight(name + ".weight",
                  {spec.out_channels, in_per_group, spec.kernel[0], spec.kernel[1]}, he_normal())};
    if (spec.bias)
        inputs.push_back(weight(name + ".bias", {spec.out_channels},
                                fan_in_uniform(in_per_group * spec.kernel[0] * spec.kernel[1])));
    ir::Conv2DAttrs a;
    a.kernel = spec.kernel, a.stride = spec.stride, a.pad = spec.pad, a.dilation = spec.dilation,
    a.groups = spec.groups;
    return add_op1(OpKind::conv2d, std::move(inputs), a, name);
}

ValueId NetBuilder::batch_norm(ValueId x, const std::string &name, double epsilon) {
    const int64_t c = channels(x);
    // Not the identity (scale 1, shift 0, mean 0, var 1): a comparison against PyTorch must be
    // able to tell a swapped mean/var or a wrong epsilon.
    std::vector<ValueId> inputs{x, weight(name + ".weight", {c}, uniform(0.5, 1.5)),
                                weight(name + ".bias", {c}, uniform(-0.25, 0.25)),
                                weight(name + ".running_mean", {c}, uniform(-0.25, 0.25)),
                                weight(name + ".running_var", {c}, uniform(0.5, 1.5))};
    ir::BatchNormAttrs a;
    a.epsilon = epsilon;
    return add_op1(OpKind::batch_norm, std::move(inputs), a, name);
}

ValueId NetBuilder::activation(ValueId x, Act act, const std::string &name) {
    switch (act) {
    case Act::none: return x;
    case Act::relu: return add_op1(OpKind::relu, {x}, ir::NoAttrs{}, name);
    case Act::relu6: {
        ir::ClipAttrs a;
        a.min = 0, a.max = 6;
        return add_op1(OpKind::clip, {x}, a, name);
    }
    }
    internal_assert(false, "unknown activation");
}

ValueId NetBuilder::conv_bn(ValueId x, const std::string &conv_name, const std::string &bn_name,
                            ConvSpec spec, Act act, double epsilon) {
    ValueId y = batch_norm(conv(x, conv_name, spec), bn_name, epsilon);
    return activation(y, act, bn_name + (act == Act::relu6 ? ".relu6" : ".relu"));
}

ValueId NetBuilder::max_pool(ValueId x, const std::string &name, const PoolSpec &spec) {
    ir::PoolAttrs a;
    a.kernel = spec.kernel, a.stride = spec.stride, a.pad = spec.pad, a.ceil_mode = spec.ceil_mode;
    return add_op1(OpKind::max_pool, {x}, a, name);
}

ValueId NetBuilder::avg_pool(ValueId x, const std::string &name, const PoolSpec &spec) {
    ir::PoolAttrs a;
    a.kernel = spec.kernel, a.stride = spec.stride, a.pad = spec.pad, a.ceil_mode = spec.ceil_mode;
    a.count_include_pad = spec.count_include_pad;
    return add_op1(OpKind::avg_pool, {x}, a, name);
}

ValueId NetBuilder::global_avg_pool(ValueId x, const std::string &name) {
    return add_op1(OpKind::global_avg_pool, {x}, ir::NoAttrs{}, name);
}

ValueId NetBuilder::adaptive_avg_pool(ValueId x, const std::string &name, int64_t n) {
    const int64_t h = type(x).dims[2], w = type(x).dims[3];
    if (h == n && w == n) return x;
    if (h == w && h % n == 0) return avg_pool(x, name, PoolSpec(h / n, h / n));
    if (h == w && n % h == 0) {
        // Upsampling by an integer factor: every output bin averages exactly one input pixel,
        // the one nearest-floor resizing picks.
        ir::ResizeAttrs a;
        a.size = {n, n}, a.mode = "nearest", a.coord = "asymmetric", a.nearest = "floor";
        return add_op1(OpKind::resize, {x}, a, name);
    }
    user_error("the input size gives a {}x{} feature map before the classifier, which cannot be "
               "pooled to {}x{} exactly; choose an input size giving a divisor or a multiple of {}",
               h, w, n, n, n);
}

ValueId NetBuilder::flatten(ValueId x, const std::string &name) {
    ir::FlattenAttrs a;
    a.axis = 1;
    return add_op1(OpKind::flatten, {x}, a, name);
}

ValueId NetBuilder::linear(ValueId x, const std::string &name, int64_t out_features) {
    const int64_t in_features = type(x).dims.at(1);
    ValueId w = weight(name + ".weight", {out_features, in_features}, he_normal());
    ValueId b = weight(name + ".bias", {out_features}, fan_in_uniform(in_features));
    ir::GemmAttrs a;
    a.trans_b = true;
    return add_op1(OpKind::gemm, {x, w, b}, a, name);
}

ValueId NetBuilder::lrn(ValueId x, const std::string &name, const ir::LrnAttrs &attrs) {
    return add_op1(OpKind::lrn, {x}, attrs, name);
}

ValueId NetBuilder::add(ValueId a, ValueId b, const std::string &name) {
    return add_op1(OpKind::add, {a, b}, ir::NoAttrs{}, name);
}

ValueId NetBuilder::neg(ValueId x, const std::string &name) {
    return add_op1(OpKind::neg, {x}, ir::NoAttrs{}, name);
}

ValueId NetBuilder::concat(const std::vector<ValueId> &xs, const std::string &name) {
    ir::ConcatAttrs a;
    a.axis = 1;
    return add_op1(OpKind::concat, xs, a, name);
}

std::vector<ValueId> NetBuilder::split(ValueId x, const std::vector<int64_t> &sizes,
                                       const std::string &name) {
    ir::SplitAttrs a;
    a.axis = 1, a.sizes = sizes;
    std::vector<std::string> names;
    for (size_t i = 0; i < sizes.size(); ++i) names.push_back(fmt::format("{}.{}", name, i));
    return add_op(OpKind::split, {x}, a, names);
}

ValueId NetBuilder::reshape(ValueId x, const std::vector<int64_t> &shape, const std::string &name) {
    ir::ReshapeAttrs a;
    a.shape = shape;
    return add_op1(OpKind::reshape, {x}, a, name);
}

ValueId NetBuilder::transpose(ValueId x, const std::vector<int64_t> &perm,
                              const std::string &name) {
    ir::TransposeAttrs a;
    a.perm = perm;
    return add_op1(OpKind::transpose, {x}, a, name);
}

ValueId NetBuilder::channel_shuffle(ValueId x, int64_t groups, const std::string &name) {
    const ir::Dims d = type(x).dims;
    internal_assert(d.size() == 4 && d[1] % groups == 0, "channel shuffle of {} in {} groups",
                    ir::dims_to_string(d), groups);
    ValueId v = reshape(x, {d[0], groups, d[1] / groups, d[2], d[3]}, name + ".view");
    v = transpose(v, {0, 2, 1, 3, 4}, name + ".transpose");
    return reshape(v, d, name);
}

ir::Graph NetBuilder::finish(ValueId output) {
    g_.set_outputs({output});
    return std::move(g_);
}

} // namespace cnnc::frontend::zoo
