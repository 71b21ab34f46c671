// Typed attributes, one struct per op family. Each struct lists its fields once, in
// `fields(self, f)`, which the printer, the parser and structural equality all walk, so adding
// a field is a one-line change. A field's default is the value the text format may omit.
#pragma once

#include "ir/Constant.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace cnnc::ir {

using Hw = std::array<int64_t, 2>;   // (height, width)
using Pads = std::array<int64_t, 4>; // (top, left, bottom, right), ONNX's begin..., end... order

struct NoAttrs {
    template <class Self, class F> static void fields(Self &, F &&) {}
};

// Printed specially (init/value/data), not through fields().
struct ConstantAttrs {
    std::shared_ptr<const ConstantData> data;
    template <class Self, class F> static void fields(Self &, F &&) {}
};

// The output stage fused into a conv2d or gemm by fuse-epilogue:
//   y = activation(conv(x, w) + bias + residual)
// bias is the third operand when present; residual (when `residual`) is the last operand, a
// tensor of the result's type. activation: none | relu | clip (clip_min..clip_max; relu6 is
// clip 0..6) | leaky_relu (alpha) | sigmoid.
#define CNNC_EPILOGUE_FIELDS(s, f)                                                                 \
    f("activation", s.activation), f("clip_min", s.clip_min), f("clip_max", s.clip_max),          \
        f("alpha", s.alpha), f("residual", s.residual)
#define CNNC_EPILOGUE_MEMBERS                                                                      \
    std::string activation = "none";                                                              \
    double clip_min = 0, clip_max = 6, alpha = 0.01;                                               \
    bool residual = false;

// `algorithm` is chosen by select-algorithm (empty until then): gemm-1x1 | strided-1x1 |
// im2col-gemm | direct | depthwise | winograd. Code generation implements what it names.
struct Conv2DAttrs {
    Hw kernel{1, 1}, stride{1, 1};
    Pads pad{0, 0, 0, 0};
    Hw dilation{1, 1};
    int64_t groups = 1;
    CNNC_EPILOGUE_MEMBERS
    std::string algorithm;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("kernel", s.kernel), f("stride", s.stride), f("pad", s.pad), f("dilation", s.dilation),
            f("groups", s.groups), CNNC_EPILOGUE_FIELDS(s, f), f("algorithm", s.algorithm);
    }
};

struct ConvTransposeAttrs {
    Hw kernel{1, 1}, stride{1, 1};
    Pads pad{0, 0, 0, 0};
    Hw output_padding{0, 0}, dilation{1, 1};
    int64_t groups = 1;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("kernel", s.kernel), f("stride", s.stride), f("pad", s.pad),
            f("output_padding", s.output_padding), f("dilation", s.dilation),
            f("groups", s.groups);
    }
};

struct BatchNormAttrs {
    double epsilon = 1e-5;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("epsilon", s.epsilon); }
};

// scale_shift: y = activation(x * scale[c] + shift[c]) per channel (axis 1), rounded after the
// multiply and after the add as mul then add would be. What fold-bn makes of a BatchNorm it
// cannot fold into a conv (DenseNet's pre-activation BN reads a concat others read too), and
// fuse-epilogue then gives it the activation after it: one pass over memory instead of three.
// activation: none | relu | clip (clip_min..clip_max) | leaky_relu (alpha) | sigmoid.
struct ScaleShiftAttrs {
    std::string activation = "none";
    double clip_min = 0, clip_max = 6, alpha = 0.01;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("activation", s.activation), f("clip_min", s.clip_min), f("clip_max", s.clip_max),
            f("alpha", s.alpha);
    }
};

struct ClipAttrs {
    double min = 0, max = 6;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("min", s.min), f("max", s.max);
    }
};

struct LeakyReluAttrs {
    double alpha = 0.01;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("alpha", s.alpha); }
};

// max_pool and avg_pool. count_include_pad only means something for avg_pool.
struct PoolAttrs {
    Hw kernel{1, 1}, stride{1, 1};
    Pads pad{0, 0, 0, 0};
    Hw dilation{1, 1};
    bool ceil_mode = false, count_include_pad = false;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("kernel", s.kernel), f("stride", s.stride), f("pad", s.pad), f("dilation", s.dilation),
            f("ceil_mode", s.ceil_mode), f("count_include_pad", s.count_include_pad);
    }
};

struct ConcatAttrs {
    int64_t axis = 1;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("axis", s.axis); }
};

struct SplitAttrs {
    int64_t axis = 1;
    std::vector<int64_t> sizes; // one result per entry
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("axis", s.axis), f("sizes", s.sizes);
    }
};

// ONNX Slice semantics: negative indices count from the end, and are clamped to the dim.
struct SliceAttrs {
    std::vector<int64_t> axes, starts, ends, steps;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("axes", s.axes), f("starts", s.starts), f("ends", s.ends), f("steps", s.steps);
    }
};

// y = alpha * op(a) * op(b) + beta * c, with c broadcast to the result (ONNX Gemm).
// The fused epilogue (activation, residual) applies after alpha/beta: y = act(gemm + residual).
// (Its leaky_relu slope is `leaky_alpha` here, since `alpha` is Gemm's own scale.)
struct GemmAttrs {
    bool trans_a = false, trans_b = false;
    double alpha = 1, beta = 1;
    std::string activation = "none";
    double clip_min = 0, clip_max = 6, leaky_alpha = 0.01;
    bool residual = false;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("trans_a", s.trans_a), f("trans_b", s.trans_b), f("alpha", s.alpha), f("beta", s.beta),
            f("activation", s.activation), f("clip_min", s.clip_min), f("clip_max", s.clip_max),
            f("leaky_alpha", s.leaky_alpha), f("residual", s.residual);
    }
};

struct FlattenAttrs {
    int64_t axis = 1;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("axis", s.axis); }
};

// Fully static target shape: no 0 or -1 (frontends resolve them).
struct ReshapeAttrs {
    std::vector<int64_t> shape;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("shape", s.shape); }
};

struct TransposeAttrs {
    std::vector<int64_t> perm;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("perm", s.perm); }
};

// ShuffleNet's channel shuffle, as one op: reshape to [N, groups, C/groups, H, W], swap axes 1
// and 2, reshape back (passes/FuseChannelShuffle.cpp finds that chain).
struct ChannelShuffleAttrs {
    int64_t groups = 1;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("groups", s.groups); }
};

// Softmax along one axis (ONNX opset 13 semantics).
struct SoftmaxAttrs {
    int64_t axis = -1;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("axis", s.axis); }
};

// Across-channel local response normalisation (ONNX LRN).
struct LrnAttrs {
    int64_t size = 5;
    double alpha = 1e-4, beta = 0.75, bias = 1.0;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("size", s.size), f("alpha", s.alpha), f("beta", s.beta), f("bias", s.bias);
    }
};

// Constant padding; pads = (begin of each axis..., end of each axis...), ONNX order.
struct PadAttrs {
    std::vector<int64_t> pads;
    double value = 0;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("pads", s.pads), f("value", s.value);
    }
};

struct DropoutAttrs {
    double ratio = 0.5;
    template <class Self, class F> static void fields(Self &s, F &&f) { f("ratio", s.ratio); }
};

// Spatial resize of an NCHW tensor to `size` (ONNX Resize / Upsample).
// mode: nearest | linear. coord (coordinate_transformation_mode): half_pixel | asymmetric |
// align_corners | pytorch_half_pixel. nearest (nearest_mode): round_prefer_floor |
// round_prefer_ceil | floor | ceil. scale: the (h, w) scale factors the coordinate mapping uses;
// empty means size / input size.
struct ResizeAttrs {
    Hw size{0, 0};
    std::string mode = "nearest", coord = "half_pixel", nearest = "round_prefer_floor";
    std::vector<double> scale;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("size", s.size), f("mode", s.mode), f("coord", s.coord), f("nearest", s.nearest),
            f("scale", s.scale);
    }
};

using Attrs = std::variant<NoAttrs, ConstantAttrs, Conv2DAttrs, ConvTransposeAttrs, BatchNormAttrs,
                           ScaleShiftAttrs, ClipAttrs, LeakyReluAttrs, PoolAttrs, ConcatAttrs, SplitAttrs,
                           SliceAttrs, GemmAttrs, FlattenAttrs, ReshapeAttrs, TransposeAttrs, ChannelShuffleAttrs,
                           SoftmaxAttrs, LrnAttrs, PadAttrs, DropoutAttrs, ResizeAttrs>;

// Field-by-field equality (constants: same contents).
bool attrs_equal(const Attrs &a, const Attrs &b);

} // namespace cnnc::ir
