// One reading of the fused output stage of a conv2d or gemm (see Conv2DAttrs in Attributes.h),
// shared by shape inference, the interpreter, passes and code generation, so that the operand
// layout (x, w, [bias], [residual]) is decoded in one place.
#pragma once

#include "ir/Graph.h"

#include <cmath>
#include <optional>
#include <string>

namespace cnnc::ir {

struct Epilogue {
    std::optional<ValueId> bias, residual;
    std::string activation = "none"; // none | relu | clip | leaky_relu | sigmoid
    double clip_min = 0, clip_max = 6, alpha = 0.01;

    bool empty() const { return !bias && !residual && activation == "none"; }
    // The activation alone, on one value (double: the reference and constant folding use it).
    double activate(double v) const {
        if (activation == "relu") return v > 0 ? v : 0;
        if (activation == "clip") return std::fmin(std::fmax(v, clip_min), clip_max);
        if (activation == "leaky_relu") return v >= 0 ? v : alpha * v;
        if (activation == "sigmoid") return 1 / (1 + std::exp(-v));
        return v;
    }
};

// The epilogue of a conv2d or gemm op (for gemm, `bias` is its C operand), or the activation of
// a scale_shift (which has no bias or residual operand).
Epilogue epilogue_of(const Op &op);

// Whether `name` is an activation an epilogue can hold.
bool is_epilogue_activation(const std::string &name);

} // namespace cnnc::ir
