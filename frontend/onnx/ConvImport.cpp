// Conv and ConvTranspose (opsets 1-17) -> conv2d / conv_transpose. 2-D only (NCHW input,
// OIHW weights); auto_pad, asymmetric pads, dilations, groups, and for ConvTranspose
// output_padding and output_shape (turned into pads, as the spec defines them).
#include "frontend/onnx/OpTable.h"
#include "frontend/onnx/Window.h"

namespace cnnc::frontend::onnximport {

namespace {

void import_conv(Context &ctx) {
    ctx.require_f32(0);
    ir::Dims x = ctx.dims_of_rank(0, 4, "NCHW input (cnnc supports 2-D convolution only)");
    ir::Dims w = ctx.dims_of_rank(1, 4, "OIHW weight");
    ir::Conv2DAttrs a;
    Window win = read_window(ctx, {x[2], x[3]}, ir::Hw{w[2], w[3]});
    a.kernel = win.kernel, a.stride = win.stride, a.dilation = win.dilation, a.pad = win.pad;
    a.groups = ctx.attr_int("group", 1);
    if (a.groups < 1)
        ctx.fail("group must be positive, got {}", a.groups);
    std::vector<ir::ValueId> in{ctx.value(0), ctx.value(1)};
    if (ctx.has_input(2))
        in.push_back(ctx.value(2));
    ctx.emit(ir::OpKind::conv2d, std::move(in), a, 0);
}

void import_conv_transpose(Context &ctx) {
    ctx.require_f32(0);
    ir::Dims x = ctx.dims_of_rank(0, 4, "NCHW input (cnnc supports 2-D convolution only)");
    ir::Dims w = ctx.dims_of_rank(1, 4, "IOHW weight");
    ir::ConvTransposeAttrs a;
    a.groups = ctx.attr_int("group", 1);
    if (a.groups < 1)
        ctx.fail("group must be positive, got {}", a.groups);
    a.kernel = {w[2], w[3]};
    if (auto k = ctx.attr_ints("kernel_shape"); k && (k->size() != 2 || (*k)[0] != w[2] ||
                                                      (*k)[1] != w[3]))
        ctx.fail("kernel_shape disagrees with the weights' kernel [{},{}]", w[2], w[3]);
    auto pair = [&](const char *name, ir::Hw fallback) -> ir::Hw {
        auto v = ctx.attr_ints(name);
        if (!v)
            return fallback;
        if (v->size() != 2)
            ctx.fail("attribute '{}' has {} entries; cnnc supports 2-D windows only", name,
                     v->size());
        return {(*v)[0], (*v)[1]};
    };
    a.stride = pair("strides", {1, 1});
    a.dilation = pair("dilations", {1, 1});
    a.output_padding = pair("output_padding", {0, 0});
    const std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
    std::optional<std::vector<int64_t>> output_shape = ctx.attr_ints("output_shape");
    if (output_shape && output_shape->size() == 4) // some exporters include N and C
        output_shape = std::vector<int64_t>(output_shape->begin() + 2, output_shape->end());
    if (output_shape && output_shape->size() != 2)
        ctx.fail("output_shape has {} entries; a 2-D transposed convolution needs 2",
                 output_shape->size());
    if (!output_shape && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER"))
        output_shape = std::vector<int64_t>{x[2] * a.stride[0], x[3] * a.stride[1]};

    if (output_shape) {
        // The spec: total_padding = stride * (in - 1) + output_padding + ((k - 1) * d + 1)
        // - output_shape, split begin/end by auto_pad (the extra pixel at the begin unless
        // SAME_UPPER). A negative total means a larger output than the kernel covers: the
        // extra rows are output padding.
        for (int i = 0; i < 2; ++i) {
            int64_t total = a.stride[i] * (x[2 + i] - 1) + a.output_padding[i] +
                            (a.kernel[i] - 1) * a.dilation[i] + 1 - (*output_shape)[i];
            if (total < 0) {
                a.output_padding[i] -= total;
                total = 0;
            }
            const int64_t half = total / 2;
            const bool upper = auto_pad == "SAME_UPPER";
            a.pad[i] = upper ? half : total - half;
            a.pad[i + 2] = upper ? total - half : half;
        }
    } else if (auto_pad == "NOTSET") {
        if (auto pads = ctx.attr_ints("pads")) {
            if (pads->size() != 4)
                ctx.fail("attribute 'pads' has {} entries; a 2-D window needs 4", pads->size());
            a.pad = {(*pads)[0], (*pads)[1], (*pads)[2], (*pads)[3]};
        }
    } else if (auto_pad != "VALID") {
        ctx.fail("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", auto_pad);
    }
    std::vector<ir::ValueId> in{ctx.value(0), ctx.value(1)};
    if (ctx.has_input(2))
        in.push_back(ctx.value(2));
    ctx.emit(ir::OpKind::conv_transpose, std::move(in), a, 0);
}

void check_conv_transpose(const onnx::NodeProto &node, int64_t, std::vector<std::string> &p) {
    check_window(node, p);
    NodeAttrs attrs(node);
    if (auto v = attrs.get_ints("output_padding"); v && v->size() != 2)
        p.push_back(fmt::format("{}-D output_padding: cnnc supports 2-D windows only", v->size()));
}

} // namespace

void register_conv_ops(OpTable &table) {
    table["Conv"] = {{}, [](const onnx::NodeProto &n, int64_t, std::vector<std::string> &p) {
                         check_window(n, p);
                     },
                     import_conv};
    table["ConvTranspose"] = {{}, check_conv_transpose, import_conv_transpose};
}

} // namespace cnnc::frontend::onnximport
