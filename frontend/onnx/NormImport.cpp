// Normalisations: BatchNormalization (inference form; opsets 7-15), LRN, and Softmax, whose
// semantics changed in opset 13: before it, Softmax coerces its input to 2-D at `axis` and
// normalises over everything after it, which the IR expresses as flatten -> softmax -> reshape.
#include "frontend/onnx/OpTable.h"

namespace cnnc::frontend::onnximport {

namespace {

void import_batch_norm(Context &ctx) {
    ctx.require_f32(0);
    ir::BatchNormAttrs a;
    a.epsilon = ctx.attr_float("epsilon", 1e-5);
    std::vector<ir::ValueId> in;
    for (int i = 0; i < 5; ++i)
        in.push_back(ctx.value(i));
    ctx.emit(ir::OpKind::batch_norm, std::move(in), a, 0);
}

void check_batch_norm(const onnx::NodeProto &node, int64_t opset, std::vector<std::string> &p) {
    NodeAttrs attrs(node);
    if (opset < 9 && attrs.get_int("spatial", 1) == 0)
        p.push_back("spatial=0 (per-activation statistics) is not supported");
    if (attrs.get_int("training_mode", 0) != 0)
        p.push_back("training_mode=1 is not supported (cnnc compiles inference)");
    for (int i = 1; i < node.output_size(); ++i)
        if (!node.output(i).empty()) {
            p.push_back("the training outputs (running mean/var, saved statistics) are not "
                        "supported");
            break;
        }
}

void import_lrn(Context &ctx) {
    ctx.require_f32(0);
    ctx.dims_of_rank(0, 4, "NCHW input");
    ir::LrnAttrs a;
    if (!ctx.attr("size"))
        ctx.fail("attribute 'size' is required");
    a.size = ctx.attr_int("size", 5);
    a.alpha = ctx.attr_float("alpha", 1e-4);
    a.beta = ctx.attr_float("beta", 0.75);
    a.bias = ctx.attr_float("bias", 1.0);
    ctx.emit(ir::OpKind::lrn, {ctx.value(0)}, a, 0);
}

void import_softmax(Context &ctx) {
    ctx.require_f32(0);
    const ir::Dims dims = ctx.dims(0);
    const int64_t rank = static_cast<int64_t>(dims.size());
    const int64_t axis = ctx.axis(ctx.attr_int("axis", ctx.opset() < 13 ? 1 : -1), rank);
    ir::SoftmaxAttrs a;
    // Opset 13 normalises along one axis; before it, over all axes from `axis` on, which is
    // the same thing when `axis` is the last one.
    if (ctx.opset() >= 13 || axis == rank - 1) {
        a.axis = axis;
        ctx.emit(ir::OpKind::softmax, {ctx.value(0)}, a, 0);
        return;
    }
    ir::FlattenAttrs f;
    f.axis = axis;
    ir::ValueId flat = ctx.emit_temp(ir::OpKind::flatten, {ctx.value(0)}, f, "2d");
    a.axis = 1;
    ir::ValueId soft = ctx.emit_temp(ir::OpKind::softmax, {flat}, a, "softmax2d");
    ir::ReshapeAttrs r;
    r.shape = dims;
    ctx.emit(ir::OpKind::reshape, {soft}, r, 0);
}

} // namespace

void register_norm_ops(OpTable &table) {
    table["BatchNormalization"] = {{}, check_batch_norm, import_batch_norm};
    table["LRN"] = {{}, nullptr, import_lrn};
    table["Softmax"] = {{}, nullptr, import_softmax};
}

} // namespace cnnc::frontend::onnximport
