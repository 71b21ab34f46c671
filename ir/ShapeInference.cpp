#include "ir/ShapeInference.h"

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Traversal.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>

namespace cnnc::ir {

namespace {

// Everything shape inference of one op needs, with messages that name the op.
struct OpContext {
    const Graph &g;
    const Op &op;

    const TensorType &operand(size_t i) const {
        const Value &v = g.value(op.inputs.at(i));
        if (!v.type) user_error("{}: type of operand %{} is unknown", describe_op(g, op), v.name);
        return *v.type;
    }
    template <typename... Args>
    [[noreturn]] void fail(fmt::format_string<Args...> format, Args &&...args) const {
        user_error("{}: {}", describe_op(g, op), fmt::format(format, std::forward<Args>(args)...));
    }
    void expect_rank(size_t i, int64_t rank, const char *what) const {
        const TensorType &t = operand(i);
        if (t.rank() != rank)
            fail("expects {} to be {}-D, got {}", what, rank, to_string(t));
    }
    // Normalises a possibly negative axis for a tensor of `rank` dims.
    int64_t axis(int64_t axis, int64_t rank, bool inclusive_end = false) const {
        const int64_t limit = inclusive_end ? rank + 1 : rank;
        const int64_t a = axis < 0 ? axis + limit - (inclusive_end ? 1 : 0) : axis;
        if (a < 0 || a >= limit) fail("axis {} is out of range for a rank-{} tensor", axis, rank);
        return a;
    }
};

void check_window(const OpContext &c, const Hw &kernel, const Hw &stride, const Pads &pad,
                  const Hw &dilation) {
    for (int i = 0; i < 2; ++i) {
        if (kernel[i] < 1) c.fail("kernel must be positive, got {}", fmt::join(kernel, "x"));
        if (stride[i] < 1) c.fail("stride must be positive, got [{}]", fmt::join(stride, ","));
        if (dilation[i] < 1) c.fail("dilation must be positive, got [{}]", fmt::join(dilation, ","));
    }
    for (int64_t p : pad)
        if (p < 0) c.fail("pads must be non-negative, got [{}]", fmt::join(pad, ","));
}

TensorType windowed(const OpContext &c, const TensorType &x, int64_t channels, const Hw &kernel,
                    const Hw &stride, const Pads &pad, const Hw &dilation, bool ceil_mode) {
    check_window(c, kernel, stride, pad, dilation);
    TensorType out{x.dtype, {x.dims[0], channels, 0, 0}};
    for (int i = 0; i < 2; ++i) {
        out.dims[2 + i] = window_output_size(x.dims[2 + i], kernel[i], stride[i], pad[i],
                                             pad[2 + i], dilation[i], ceil_mode);
        if (out.dims[2 + i] < 1)
            c.fail("a {}x{} window (dilation {}) does not fit the padded {}x{} input", kernel[0],
                   kernel[1], dilation[i], x.dims[2], x.dims[3]);
    }
    return out;
}

// Operands after the first two: [bias] then [residual] (when the residual flag is set).
void check_epilogue(const OpContext &c, bool residual, const std::string &activation,
                    double clip_min, double clip_max, const TensorType &out) {
    const size_t extra = c.op.inputs.size() - 2;
    if (residual && extra < 1) c.fail("residual=true needs a residual operand");
    if (extra - (residual ? 1 : 0) > 1) c.fail("takes at most one bias operand");
    if (!is_epilogue_activation(activation))
        c.fail("activation '{}' is not one of none, relu, clip, leaky_relu, sigmoid", activation);
    if (activation == "clip" && clip_min > clip_max) c.fail("clip_min exceeds clip_max");
    const Epilogue e = epilogue_of(c.op);
    if (e.residual && c.g.type(*e.residual) != out)
        c.fail("residual operand is {}, expected the result type {}",
               to_string(c.g.type(*e.residual)), to_string(out));
}

TensorType infer_conv2d(const OpContext &c) {
    const auto &a = c.op.attr<Conv2DAttrs>();
    c.expect_rank(0, 4, "its input");
    c.expect_rank(1, 4, "its weight");
    const TensorType &x = c.operand(0), &w = c.operand(1);
    if (a.groups < 1) c.fail("groups must be positive, got {}", a.groups);
    const int64_t channels = x.dims[1], out_channels = w.dims[0];
    if (channels % a.groups != 0 || out_channels % a.groups != 0)
        c.fail("groups={} must divide input channels {} and output channels {}", a.groups,
               channels, out_channels);
    if (w.dims[1] != channels / a.groups)
        c.fail("weight {} expects {} input channels per group, input {} has {} / groups {} = {}",
               to_string(w), w.dims[1], to_string(x), channels, a.groups, channels / a.groups);
    if (w.dims[2] != a.kernel[0] || w.dims[3] != a.kernel[1])
        c.fail("kernel=[{},{}] does not match weight {}", a.kernel[0], a.kernel[1], to_string(w));
    for (size_t i = 2; i < c.op.inputs.size(); ++i) c.operand(i); // all operands typed
    const Epilogue e = epilogue_of(c.op);
    if (e.bias && c.g.type(*e.bias).dims != Dims{out_channels})
        c.fail("expects bias f32[{}], got {}", out_channels, to_string(c.g.type(*e.bias)));
    static const char *algorithms[] = {"",       "gemm-1x1",  "strided-1x1", "im2col-gemm",
                                       "direct", "depthwise", "winograd"};
    if (std::find(std::begin(algorithms), std::end(algorithms), a.algorithm) ==
        std::end(algorithms))
        c.fail("algorithm '{}' is not one of gemm-1x1, strided-1x1, im2col-gemm, direct, "
               "depthwise, winograd",
               a.algorithm);
    const TensorType out =
        windowed(c, x, out_channels, a.kernel, a.stride, a.pad, a.dilation, false);
    check_epilogue(c, a.residual, a.activation, a.clip_min, a.clip_max, out);
    return out;
}

TensorType infer_conv_transpose(const OpContext &c) {
    const auto &a = c.op.attr<ConvTransposeAttrs>();
    c.expect_rank(0, 4, "its input");
    c.expect_rank(1, 4, "its weight");
    const TensorType &x = c.operand(0), &w = c.operand(1);
    if (a.groups < 1 || x.dims[1] % a.groups != 0)
        c.fail("groups={} must be positive and divide input channels {}", a.groups, x.dims[1]);
    if (w.dims[0] != x.dims[1])
        c.fail("weight {} expects {} input channels, input {} has {}", to_string(w), w.dims[0],
               to_string(x), x.dims[1]);
    if (w.dims[2] != a.kernel[0] || w.dims[3] != a.kernel[1])
        c.fail("kernel=[{},{}] does not match weight {}", a.kernel[0], a.kernel[1], to_string(w));
    check_window(c, a.kernel, a.stride, a.pad, a.dilation);
    const int64_t out_channels = w.dims[1] * a.groups;
    if (c.op.inputs.size() == 3 && c.operand(2).dims != Dims{out_channels})
        c.fail("expects bias f32[{}], got {}", out_channels, to_string(c.operand(2)));
    TensorType out{x.dtype, {x.dims[0], out_channels, 0, 0}};
    for (int i = 0; i < 2; ++i) {
        if (a.output_padding[i] < 0 || a.output_padding[i] >= std::max(a.stride[i], a.dilation[i]))
            c.fail("output_padding must be in [0, max(stride, dilation)), got {}",
                   a.output_padding[i]);
        out.dims[2 + i] = a.stride[i] * (x.dims[2 + i] - 1) + a.output_padding[i] +
                          (a.kernel[i] - 1) * a.dilation[i] + 1 - a.pad[i] - a.pad[2 + i];
        if (out.dims[2 + i] < 1) c.fail("pads leave an empty output");
    }
    return out;
}

TensorType infer_batch_norm(const OpContext &c) {
    const TensorType &x = c.operand(0);
    if (x.rank() < 2) c.fail("expects an input of rank >= 2, got {}", to_string(x));
    static const char *names[] = {"", "scale", "bias", "mean", "var"};
    for (size_t i = 1; i < 5; ++i)
        if (c.operand(i).dims != Dims{x.dims[1]})
            c.fail("expects {} of f32[{}], got {}", names[i], x.dims[1], to_string(c.operand(i)));
    if (c.op.attr<BatchNormAttrs>().epsilon < 0) c.fail("epsilon must be non-negative");
    return x;
}

// x with per-channel scale and shift of f32[C], C = x's axis 1.
TensorType infer_scale_shift(const OpContext &c) {
    const TensorType &x = c.operand(0);
    if (x.rank() < 2) c.fail("expects an input of rank >= 2, got {}", to_string(x));
    static const char *names[] = {"", "scale", "shift"};
    for (size_t i = 1; i < 3; ++i)
        if (c.operand(i).dims != Dims{x.dims[1]})
            c.fail("expects {} of f32[{}], got {}", names[i], x.dims[1], to_string(c.operand(i)));
    const auto &a = c.op.attr<ScaleShiftAttrs>();
    if (!is_epilogue_activation(a.activation))
        c.fail("unknown activation '{}' (none, relu, clip, leaky_relu or sigmoid)", a.activation);
    if (a.activation == "clip" && a.clip_min > a.clip_max) c.fail("clip_min exceeds clip_max");
    return x;
}

TensorType infer_broadcast(const OpContext &c) {
    const TensorType &a = c.operand(0), &b = c.operand(1);
    if (a.dtype != b.dtype) c.fail("operand types differ: {} vs {}", to_string(a), to_string(b));
    const size_t rank = std::max(a.dims.size(), b.dims.size());
    TensorType out{a.dtype, Dims(rank)};
    for (size_t i = 0; i < rank; ++i) {
        const auto dim = [&](const Dims &d) {
            return i + d.size() >= rank ? d[i + d.size() - rank] : int64_t{1};
        };
        const int64_t x = dim(a.dims), y = dim(b.dims);
        if (x != y && x != 1 && y != 1)
            c.fail("cannot broadcast {} with {}", to_string(a), to_string(b));
        out.dims[i] = x == 1 ? y : x;
    }
    return out;
}

TensorType infer_pool(const OpContext &c) {
    const auto &a = c.op.attr<PoolAttrs>();
    c.expect_rank(0, 4, "its input");
    if (c.op.kind == OpKind::max_pool && a.count_include_pad)
        c.fail("count_include_pad only applies to avg_pool");
    if (c.op.kind == OpKind::avg_pool && a.dilation != Hw{1, 1})
        c.fail("avg_pool takes no dilation, got [{},{}]", a.dilation[0], a.dilation[1]);
    const TensorType &x = c.operand(0);
    for (int i = 0; i < 2; ++i)
        if (a.pad[i] >= (a.kernel[i] - 1) * a.dilation[i] + 1 ||
            a.pad[i + 2] >= (a.kernel[i] - 1) * a.dilation[i] + 1)
            c.fail("pads [{}] must be smaller than the window", fmt::join(a.pad, ","));
    return windowed(c, x, x.dims[1], a.kernel, a.stride, a.pad, a.dilation, a.ceil_mode);
}

TensorType infer_concat(const OpContext &c) {
    const TensorType &first = c.operand(0);
    const int64_t axis = c.axis(c.op.attr<ConcatAttrs>().axis, first.rank());
    TensorType out = first;
    for (size_t i = 1; i < c.op.inputs.size(); ++i) {
        const TensorType &t = c.operand(i);
        Dims a = first.dims, b = t.dims;
        if (a.size() == b.size()) a[static_cast<size_t>(axis)] = b[static_cast<size_t>(axis)] = 0;
        if (a != b || t.dtype != first.dtype)
            c.fail("operand {} is {}, which does not concatenate with {} along axis {}", i,
                   to_string(t), to_string(first), axis);
        out.dims[static_cast<size_t>(axis)] += t.dims[static_cast<size_t>(axis)];
    }
    return out;
}

std::vector<TensorType> infer_split(const OpContext &c) {
    const auto &a = c.op.attr<SplitAttrs>();
    const TensorType &x = c.operand(0);
    const auto axis = static_cast<size_t>(c.axis(a.axis, x.rank()));
    if (a.sizes.size() != c.op.outputs.size())
        c.fail("has {} results but sizes lists {}", c.op.outputs.size(), a.sizes.size());
    const int64_t total = std::accumulate(a.sizes.begin(), a.sizes.end(), int64_t{0});
    for (int64_t s : a.sizes)
        if (s < 0) c.fail("sizes must be non-negative, got [{}]", fmt::join(a.sizes, ","));
    if (total != x.dims[axis])
        c.fail("sizes [{}] add up to {}, but axis {} of {} is {}", fmt::join(a.sizes, ","), total,
               axis, to_string(x), x.dims[axis]);
    std::vector<TensorType> out;
    for (int64_t s : a.sizes) {
        TensorType t = x;
        t.dims[axis] = s;
        out.push_back(t);
    }
    return out;
}

TensorType infer_slice(const OpContext &c) {
    const auto &a = c.op.attr<SliceAttrs>();
    const TensorType &x = c.operand(0);
    if (a.starts.size() != a.ends.size() || a.axes.size() != a.starts.size() ||
        a.steps.size() != a.starts.size())
        c.fail("axes, starts, ends and steps must have the same length");
    TensorType out = x;
    std::vector<bool> seen(x.dims.size(), false);
    for (size_t i = 0; i < a.axes.size(); ++i) {
        const auto axis = static_cast<size_t>(c.axis(a.axes[i], x.rank()));
        if (seen[axis]) c.fail("axis {} is sliced twice", axis);
        seen[axis] = true;
        out.dims[axis] = slice_length(x.dims[axis], a.starts[i], a.ends[i], a.steps[i]);
        if (a.steps[i] == 0) c.fail("slice step must not be 0");
    }
    return out;
}

TensorType infer_gemm(const OpContext &c) {
    const auto &a = c.op.attr<GemmAttrs>();
    c.expect_rank(0, 2, "A");
    c.expect_rank(1, 2, "B");
    const TensorType &ta = c.operand(0), &tb = c.operand(1);
    const int64_t m = a.trans_a ? ta.dims[1] : ta.dims[0], k = a.trans_a ? ta.dims[0] : ta.dims[1];
    const int64_t kb = a.trans_b ? tb.dims[1] : tb.dims[0], n = a.trans_b ? tb.dims[0] : tb.dims[1];
    if (k != kb)
        c.fail("inner dimensions differ: A {} (trans_a={}) and B {} (trans_b={})", to_string(ta),
               a.trans_a, to_string(tb), a.trans_b);
    TensorType out{ta.dtype, {m, n}};
    for (size_t i = 2; i < c.op.inputs.size(); ++i) c.operand(i); // all operands typed
    const Epilogue e = epilogue_of(c.op);
    if (e.bias) {
        const Dims &cd = c.g.type(*e.bias).dims;
        const bool ok = cd.size() <= 2 &&
                        (cd.size() < 1 || cd.back() == n || cd.back() == 1) &&
                        (cd.size() < 2 || cd[0] == m || cd[0] == 1);
        if (!ok) c.fail("C {} does not broadcast to [{},{}]", to_string(c.g.type(*e.bias)), m, n);
    }
    check_epilogue(c, a.residual, a.activation, a.clip_min, a.clip_max, out);
    return out;
}

TensorType infer_flatten(const OpContext &c) {
    const TensorType &x = c.operand(0);
    const auto axis = static_cast<size_t>(c.axis(c.op.attr<FlattenAttrs>().axis, x.rank(), true));
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < x.dims.size(); ++i) (i < axis ? outer : inner) *= x.dims[i];
    return TensorType{x.dtype, {outer, inner}};
}

TensorType infer_reshape(const OpContext &c) {
    const TensorType &x = c.operand(0);
    const Dims &shape = c.op.attr<ReshapeAttrs>().shape;
    for (int64_t d : shape)
        if (d < 0) c.fail("shape {} must be fully static (no -1)", dims_to_string(shape));
    const TensorType out{x.dtype, shape};
    if (out.num_elements() != x.num_elements())
        c.fail("cannot reshape {} ({} elements) to {} ({} elements)", to_string(x),
               x.num_elements(), dims_to_string(shape), out.num_elements());
    return out;
}

TensorType infer_transpose(const OpContext &c) {
    const TensorType &x = c.operand(0);
    const auto &perm = c.op.attr<TransposeAttrs>().perm;
    std::vector<bool> seen(x.dims.size(), false);
    if (perm.size() != x.dims.size())
        c.fail("perm [{}] must list each of the {} axes of {} once", fmt::join(perm, ","),
               x.rank(), to_string(x));
    TensorType out = x;
    for (size_t i = 0; i < perm.size(); ++i) {
        if (perm[i] < 0 || perm[i] >= x.rank() || seen[static_cast<size_t>(perm[i])])
            c.fail("perm [{}] is not a permutation of the {} axes", fmt::join(perm, ","), x.rank());
        seen[static_cast<size_t>(perm[i])] = true;
        out.dims[i] = x.dims[static_cast<size_t>(perm[i])];
    }
    return out;
}

TensorType infer_channel_shuffle(const OpContext &c) {
    c.expect_rank(0, 4, "its input");
    const TensorType &x = c.operand(0);
    const int64_t groups = c.op.attr<ChannelShuffleAttrs>().groups;
    if (groups < 1 || x.dims[1] % groups != 0)
        c.fail("groups={} must be positive and divide the {} channels of {}", groups, x.dims[1], to_string(x));
    return x;
}

TensorType infer_pad(const OpContext &c) {
    const TensorType &x = c.operand(0);
    const auto &pads = c.op.attr<PadAttrs>().pads;
    if (pads.size() != 2 * x.dims.size())
        c.fail("expects {} pads (begin and end of each axis of {}), got {}", 2 * x.dims.size(),
               to_string(x), pads.size());
    TensorType out = x;
    for (size_t i = 0; i < x.dims.size(); ++i) {
        out.dims[i] = x.dims[i] + pads[i] + pads[i + x.dims.size()];
        if (out.dims[i] < 0) c.fail("pads [{}] crop more than the input has", fmt::join(pads, ","));
    }
    return out;
}

TensorType infer_resize(const OpContext &c) {
    const auto &a = c.op.attr<ResizeAttrs>();
    c.expect_rank(0, 4, "its input");
    const TensorType &x = c.operand(0);
    if (a.size[0] < 1 || a.size[1] < 1)
        c.fail("size must be positive, got [{},{}]", a.size[0], a.size[1]);
    auto one_of = [&](const std::string &value, std::initializer_list<const char *> allowed,
                      const char *what) {
        for (const char *v : allowed)
            if (value == v) return;
        c.fail("{} '{}' is not one of {}", what, value, fmt::join(allowed, ", "));
    };
    one_of(a.mode, {"nearest", "linear"}, "mode");
    one_of(a.coord, {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}, "coord");
    one_of(a.nearest, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}, "nearest");
    if (!a.scale.empty() && (a.scale.size() != 2 || a.scale[0] <= 0 || a.scale[1] <= 0))
        c.fail("scale must be two positive factors (h, w), got [{}]", fmt::join(a.scale, ","));
    return TensorType{x.dtype, {x.dims[0], x.dims[1], a.size[0], a.size[1]}};
}

} // namespace

int64_t window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                           int64_t pad_end, int64_t dilation, bool ceil_mode) {
    const int64_t extent = (kernel - 1) * dilation + 1;
    const int64_t span = in + pad_begin + pad_end - extent;
    if (span < 0) return 0;
    int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    // With ceil_mode the last window must start inside the input or its begin padding
    // (PyTorch and ONNX agree on this rule).
    if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
    return out;
}

int64_t slice_length(int64_t dim, int64_t start, int64_t end, int64_t step) {
    if (step == 0) return 0;
    auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); };
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
        start = clamp(start, 0, dim), end = clamp(end, 0, dim);
        return end > start ? (end - start + step - 1) / step : 0;
    }
    start = clamp(start, 0, dim - 1), end = clamp(end, -1, dim - 1);
    return start > end ? (start - end - step - 1) / -step : 0;
}

std::string describe_op(const Graph &g, const Op &op) {
    std::string results;
    for (size_t i = 0; i < op.outputs.size(); ++i)
        results += fmt::format("{}%{}", i ? ", " : "", g.value(op.outputs[i]).name);
    const std::string text = fmt::format("{} = {}", results, op_name(op.kind));
    return op.origin.empty() ? text : op.origin + ": " + text;
}

std::vector<TensorType> infer_op_types(const Graph &g, const Op &op) {
    const OpContext c{g, op};
    const int n = static_cast<int>(op.inputs.size());
    if (n < min_inputs(op.kind) || (max_inputs(op.kind) >= 0 && n > max_inputs(op.kind)))
        c.fail("takes {} to {} operands, got {}", min_inputs(op.kind),
               max_inputs(op.kind) < 0 ? std::string("any number of")
                                       : std::to_string(max_inputs(op.kind)),
               n);
    switch (op.kind) {
    case OpKind::input: {
        const Value &v = g.value(op.outputs.at(0));
        if (!v.type) c.fail("an input needs a declared type");
        for (int64_t d : v.type->dims)
            if (d < 1) c.fail("input dims must be positive, got {}", to_string(*v.type));
        return {*v.type};
    }
    case OpKind::constant: {
        const auto &data = op.attr<ConstantAttrs>().data;
        internal_assert(data != nullptr, "constant without data");
        return {data->type()};
    }
    case OpKind::conv2d: return {infer_conv2d(c)};
    case OpKind::conv_transpose: return {infer_conv_transpose(c)};
    case OpKind::batch_norm: return {infer_batch_norm(c)};
    case OpKind::scale_shift: return {infer_scale_shift(c)};
    case OpKind::clip:
        if (op.attr<ClipAttrs>().min > op.attr<ClipAttrs>().max) c.fail("min exceeds max");
        return {c.operand(0)};
    case OpKind::relu:
    case OpKind::leaky_relu:
    case OpKind::sigmoid:
    case OpKind::neg:
    case OpKind::identity:
    case OpKind::dropout: return {c.operand(0)};
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div: return {infer_broadcast(c)};
    case OpKind::max_pool:
    case OpKind::avg_pool: return {infer_pool(c)};
    case OpKind::global_avg_pool:
    case OpKind::global_max_pool: {
        c.expect_rank(0, 4, "its input");
        const TensorType &x = c.operand(0);
        return {TensorType{x.dtype, {x.dims[0], x.dims[1], 1, 1}}};
    }
    case OpKind::concat: return {infer_concat(c)};
    case OpKind::split: return infer_split(c);
    case OpKind::slice: return {infer_slice(c)};
    case OpKind::gemm: return {infer_gemm(c)};
    case OpKind::flatten: return {infer_flatten(c)};
    case OpKind::reshape: return {infer_reshape(c)};
    case OpKind::transpose: return {infer_transpose(c)};
    case OpKind::channel_shuffle: return {infer_channel_shuffle(c)};
    case OpKind::softmax: {
        const TensorType &x = c.operand(0);
        c.axis(op.attr<SoftmaxAttrs>().axis, x.rank());
        return {x};
    }
    case OpKind::lrn: {
        c.expect_rank(0, 4, "its input");
        if (op.attr<LrnAttrs>().size < 1) c.fail("size must be positive");
        return {c.operand(0)};
    }
    case OpKind::pad: return {infer_pad(c)};
    case OpKind::resize: return {infer_resize(c)};
    }
    internal_assert(false, "shape inference misses op kind {}", op_name(op.kind));
}

void infer_shapes(Graph &g) {
    for (OpId id : topological_order(g)) {
        const Op &op = g.op(id);
        const std::vector<TensorType> types = infer_op_types(g, op);
        internal_assert(types.size() == op.outputs.size(), "{}: {} types for {} results",
                        describe_op(g, op), types.size(), op.outputs.size());
        for (size_t i = 0; i < types.size(); ++i) {
            Value &v = g.value(op.outputs[i]);
            if (v.type && *v.type != types[i])
                user_error("{}: %{} is declared {} but its operands make it {}",
                           describe_op(g, op), v.name, to_string(*v.type), to_string(types[i]));
            v.type = types[i];
        }
    }
}

} // namespace cnnc::ir
