#include "ir/Epilogue.h"

#include "ir/Error.h"

namespace cnnc::ir {

namespace {
template <class A> Epilogue decode(const Op &op, const A &a, double alpha) {
    Epilogue e;
    e.activation = a.activation;
    e.clip_min = a.clip_min, e.clip_max = a.clip_max, e.alpha = alpha;
    size_t extra = op.inputs.size() - 2;
    if (a.residual && extra > 0) e.residual = op.inputs.back(), --extra;
    if (extra > 0) e.bias = op.inputs[2];
    return e;
}
} // namespace

Epilogue epilogue_of(const Op &op) {
    if (op.kind == OpKind::scale_shift) {
        // Its operands are x, scale, shift: no bias or residual, only the activation.
        const auto &a = op.attr<ScaleShiftAttrs>();
        Epilogue e;
        e.activation = a.activation;
        e.clip_min = a.clip_min, e.clip_max = a.clip_max, e.alpha = a.alpha;
        return e;
    }
    if (op.kind == OpKind::conv2d) {
        const auto &a = op.attr<Conv2DAttrs>();
        return decode(op, a, a.alpha);
    }
    internal_assert(op.kind == OpKind::gemm, "{} has no epilogue", op_name(op.kind));
    const auto &a = op.attr<GemmAttrs>();
    return decode(op, a, a.leaky_alpha);
}

bool is_epilogue_activation(const std::string &name) {
    return name == "none" || name == "relu" || name == "clip" || name == "leaky_relu" ||
           name == "sigmoid";
}

} // namespace cnnc::ir
