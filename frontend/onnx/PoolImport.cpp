// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool -> the IR's pools. 2-D only; ceil_mode,
// count_include_pad, dilations, pads and auto_pad as the spec defines them for opsets 1-17.
// MaxPool's optional Indices output (argmax positions) has no IR counterpart.
#include "frontend/onnx/OpTable.h"
#include "frontend/onnx/Window.h"

namespace cnnc::frontend::onnximport {

namespace {

void import_pool(Context &ctx, ir::OpKind kind) {
    ctx.require_f32(0);
    ir::Dims x = ctx.dims_of_rank(0, 4, "NCHW input (cnnc supports 2-D pooling only)");
    Window win = read_window(ctx, {x[2], x[3]}, std::nullopt);
    ir::PoolAttrs a;
    a.kernel = win.kernel, a.stride = win.stride, a.dilation = win.dilation, a.pad = win.pad;
    a.ceil_mode = ctx.attr_int("ceil_mode", 0) != 0;
    if (kind == ir::OpKind::avg_pool)
        a.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
    ctx.emit(kind, {ctx.value(0)}, a, 0);
}

void import_global_pool(Context &ctx, ir::OpKind kind) {
    ctx.require_f32(0);
    ctx.dims_of_rank(0, 4, "NCHW input (cnnc supports 2-D pooling only)");
    ctx.emit(kind, {ctx.value(0)}, ir::NoAttrs{}, 0);
}

void check_max_pool(const onnx::NodeProto &node, int64_t, std::vector<std::string> &p) {
    check_window(node, p);
    if (node.output_size() > 1 && !node.output(1).empty())
        p.push_back("output 'Indices' (argmax positions) is not supported");
}

void check_avg_pool(const onnx::NodeProto &node, int64_t, std::vector<std::string> &p) {
    check_window(node, p);
}

} // namespace

void register_pool_ops(OpTable &table) {
    table["MaxPool"] = {{}, check_max_pool,
                        [](Context &ctx) { import_pool(ctx, ir::OpKind::max_pool); }};
    table["AveragePool"] = {{}, check_avg_pool,
                            [](Context &ctx) { import_pool(ctx, ir::OpKind::avg_pool); }};
    table["GlobalAveragePool"] = {
        {}, nullptr, [](Context &ctx) { import_global_pool(ctx, ir::OpKind::global_avg_pool); }};
    table["GlobalMaxPool"] = {
        {}, nullptr, [](Context &ctx) { import_global_pool(ctx, ir::OpKind::global_max_pool); }};
}

} // namespace cnnc::frontend::onnximport
