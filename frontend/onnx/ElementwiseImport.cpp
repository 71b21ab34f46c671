// Per-element ops: Relu, Sigmoid, Neg, LeakyRelu, Clip (attribute form before opset 11, input
// form after), Add/Sub/Mul/Div with numpy broadcasting (opset 7+), Identity, Dropout
// (inference: identity). Operands known at import time are folded instead, so integer shape
// arithmetic never reaches the IR.
#include "frontend/onnx/KnownEval.h"
#include "frontend/onnx/OpTable.h"

#include <limits>

namespace cnnc::frontend::onnximport {

namespace {

void import_unary(Context &ctx, ir::OpKind kind, ir::Attrs attrs) {
    ctx.require_f32(0);
    ctx.emit(kind, {ctx.value(0)}, std::move(attrs), 0);
}

void import_binary(Context &ctx, ir::OpKind kind, BinaryOp op) {
    const Known *a = ctx.known(0), *b = ctx.known(1);
    if (a && b) {
        ctx.define_known(0, known_binary(ctx, *a, *b, op));
        return;
    }
    ctx.require_f32(0);
    ctx.require_f32(1);
    ctx.emit(kind, {ctx.value(0), ctx.value(1)}, ir::NoAttrs{}, 0);
}

void import_neg(Context &ctx) {
    if (const Known *a = ctx.known(0)) {
        ctx.define_known(0, known_binary(ctx, Known::from_ints({}, {0}), *a, BinaryOp::sub));
        return;
    }
    import_unary(ctx, ir::OpKind::neg, ir::NoAttrs{});
}

// A clip bound given as an input (opset 11+): a scalar known at compile time.
double clip_bound(Context &ctx, int i, const char *what, double fallback) {
    if (!ctx.has_input(i))
        return fallback;
    const Known &k = ctx.require_known(i, what);
    if (k.size() != 1)
        ctx.fail("the {} must be a scalar, got dims {}", what, ir::dims_to_string(k.dims));
    return k.as_floats()[0];
}

void import_clip(Context &ctx) {
    // No bound means none: the float range, so that the attribute stays finite and printable.
    const double lowest = std::numeric_limits<float>::lowest();
    const double highest = std::numeric_limits<float>::max();
    ir::ClipAttrs a;
    if (ctx.opset() < 11) {
        a.min = ctx.attr_float("min", lowest);
        a.max = ctx.attr_float("max", highest);
    } else {
        a.min = clip_bound(ctx, 1, "minimum", lowest);
        a.max = clip_bound(ctx, 2, "maximum", highest);
    }
    import_unary(ctx, ir::OpKind::clip, a);
}

void import_identity(Context &ctx) {
    if (const Known *k = ctx.known(0)) {
        ctx.define_known(0, *k);
        return;
    }
    ctx.emit(ir::OpKind::identity, {ctx.value(0)}, ir::NoAttrs{}, 0);
}

void import_dropout(Context &ctx) {
    ir::DropoutAttrs a;
    if (ctx.opset() < 12) {
        a.ratio = ctx.attr_float("ratio", 0.5);
    } else {
        if (ctx.has_input(1))
            a.ratio = ctx.require_known(1, "ratio").as_floats().at(0);
        if (ctx.has_input(2) && ctx.require_known(2, "training_mode").as_ints().at(0) != 0)
            ctx.fail("training_mode is true; cnnc compiles inference, where Dropout is the "
                     "identity");
    }
    import_unary(ctx, ir::OpKind::dropout, a);
}

void check_dropout(const onnx::NodeProto &node, int64_t, std::vector<std::string> &p) {
    if (node.output_size() > 1 && !node.output(1).empty())
        p.push_back("output 'mask' is not supported (cnnc has no boolean tensors)");
}

} // namespace

void register_elementwise_ops(OpTable &table) {
    table["Relu"] = {{}, nullptr,
                     [](Context &c) { import_unary(c, ir::OpKind::relu, ir::NoAttrs{}); }};
    table["Sigmoid"] = {{}, nullptr,
                        [](Context &c) { import_unary(c, ir::OpKind::sigmoid, ir::NoAttrs{}); }};
    table["Neg"] = {{}, nullptr, import_neg};
    table["LeakyRelu"] = {{}, nullptr, [](Context &c) {
                              ir::LeakyReluAttrs a;
                              a.alpha = c.attr_float("alpha", 0.01);
                              import_unary(c, ir::OpKind::leaky_relu, a);
                          }};
    table["Clip"] = {{1, 2}, nullptr, import_clip};
    table["Add"] = {{}, nullptr, [](Context &c) { import_binary(c, ir::OpKind::add, BinaryOp::add); }};
    table["Sub"] = {{}, nullptr, [](Context &c) { import_binary(c, ir::OpKind::sub, BinaryOp::sub); }};
    table["Mul"] = {{}, nullptr, [](Context &c) { import_binary(c, ir::OpKind::mul, BinaryOp::mul); }};
    table["Div"] = {{}, nullptr, [](Context &c) { import_binary(c, ir::OpKind::div, BinaryOp::div); }};
    table["Identity"] = {{}, nullptr, import_identity};
    table["Dropout"] = {{1, 2}, check_dropout, import_dropout};
}

} // namespace cnnc::frontend::onnximport
