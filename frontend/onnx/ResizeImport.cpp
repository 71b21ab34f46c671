// Resize (opsets 10, 11, 13) and Upsample (7, 9) -> the IR's 2-D resize of an NCHW tensor.
// Opset 10 Resize and Upsample map source coordinates as x / scale ("asymmetric") and pick
// the nearest pixel by flooring; from opset 11 the coordinate and rounding modes are
// attributes. Cubic mode, tf_crop_and_resize and tf_half_pixel_for_nearest have no IR
// counterpart and are reported by the scan.
#include "frontend/onnx/OpTable.h"

#include <cmath>

namespace cnnc::frontend::onnximport {

namespace {

// Fills size and scale from per-axis scales (all four NCHW axes).
void from_scales(Context &ctx, const ir::Dims &x, const std::vector<double> &scales,
                 ir::ResizeAttrs &a) {
    if (scales.size() != 4)
        ctx.fail("has {} scales; cnnc resizes 4-D NCHW tensors", scales.size());
    if (scales[0] != 1 || scales[1] != 1)
        ctx.fail("scales the batch or channel axis ({}, {}); cnnc resizes H and W only",
                 scales[0], scales[1]);
    for (int i = 0; i < 2; ++i) {
        if (!(scales[2 + i] > 0))
            ctx.fail("scale {} must be positive", scales[2 + i]);
        a.size[i] = static_cast<int64_t>(std::floor(static_cast<double>(x[2 + i]) * scales[2 + i]));
        if (a.size[i] < 1)
            ctx.fail("scale {} shrinks a dim of {} to nothing", scales[2 + i], x[2 + i]);
    }
    a.scale = {scales[2], scales[3]};
}

std::string linear_or_nearest(Context &ctx, const std::string &mode) {
    if (mode == "nearest")
        return "nearest";
    if (mode == "linear" || mode == "bilinear")
        return "linear";
    ctx.fail("mode '{}' is not supported (nearest or linear)", mode);
}

void import_legacy(Context &ctx, std::vector<double> scales) {
    ctx.require_f32(0);
    const ir::Dims x = ctx.dims_of_rank(0, 4, "NCHW input");
    ir::ResizeAttrs a;
    a.mode = linear_or_nearest(ctx, ctx.attr_string("mode", "nearest"));
    a.coord = "asymmetric";
    a.nearest = "floor";
    from_scales(ctx, x, scales, a);
    ctx.emit(ir::OpKind::resize, {ctx.value(0)}, a, 0);
}

void import_upsample(Context &ctx) {
    std::vector<double> scales;
    if (ctx.opset() < 9) {
        auto s = ctx.attr_floats("scales");
        if (!s)
            ctx.fail("attribute 'scales' is required");
        scales = *s;
    } else {
        scales = ctx.require_known(1, "scales").as_floats();
    }
    import_legacy(ctx, std::move(scales));
}

void import_resize(Context &ctx) {
    if (ctx.opset() < 11) {
        import_legacy(ctx, ctx.require_known(1, "scales").as_floats());
        return;
    }
    ctx.require_f32(0);
    const ir::Dims x = ctx.dims_of_rank(0, 4, "NCHW input");
    ir::ResizeAttrs a;
    a.mode = linear_or_nearest(ctx, ctx.attr_string("mode", "nearest"));
    a.coord = ctx.attr_string("coordinate_transformation_mode", "half_pixel");
    a.nearest = ctx.attr_string("nearest_mode", "round_prefer_floor");
    // An omitted optional input may be an empty name or an empty tensor.
    auto given = [&](int i) { return ctx.has_input(i) && ctx.type(i).num_elements() > 0; };
    if (given(2)) {
        if (given(3))
            ctx.fail("gives both scales and sizes");
        from_scales(ctx, x, ctx.require_known(2, "scales").as_floats(), a);
    } else if (given(3)) {
        std::vector<int64_t> sizes = ctx.require_known(3, "sizes").as_ints();
        if (sizes.size() != 4)
            ctx.fail("has {} sizes; cnnc resizes 4-D NCHW tensors", sizes.size());
        if (sizes[0] != x[0] || sizes[1] != x[1])
            ctx.fail("resizes the batch or channel axis ({} to [{},{}]); cnnc resizes H and W "
                     "only",
                     ir::dims_to_string(x), sizes[0], sizes[1]);
        if (sizes[2] < 1 || sizes[3] < 1)
            ctx.fail("sizes must be positive");
        a.size = {sizes[2], sizes[3]};
    } else {
        ctx.fail("needs scales or sizes");
    }
    ctx.emit(ir::OpKind::resize, {ctx.value(0)}, a, 0);
}

void check_resize(const onnx::NodeProto &node, int64_t opset, std::vector<std::string> &p) {
    NodeAttrs attrs(node);
    const std::string mode = attrs.get_string("mode", "nearest");
    if (mode != "nearest" && mode != "linear" && mode != "bilinear")
        p.push_back(fmt::format("mode '{}' is not supported (nearest or linear)", mode));
    if (opset < 11 || node.op_type() != "Resize")
        return;
    const std::string coord = attrs.get_string("coordinate_transformation_mode", "half_pixel");
    if (coord != "half_pixel" && coord != "asymmetric" && coord != "align_corners" &&
        coord != "pytorch_half_pixel")
        p.push_back(fmt::format("coordinate_transformation_mode '{}' is not supported "
                                "(half_pixel, asymmetric, align_corners, pytorch_half_pixel)",
                                coord));
    const std::string nearest = attrs.get_string("nearest_mode", "round_prefer_floor");
    if (nearest != "round_prefer_floor" && nearest != "round_prefer_ceil" && nearest != "floor" &&
        nearest != "ceil")
        p.push_back(fmt::format("nearest_mode '{}' is not supported", nearest));
}

} // namespace

void register_resize_ops(OpTable &table) {
    table["Resize"] = {{1, 2, 3}, check_resize, import_resize};
    table["Upsample"] = {{1}, check_resize, import_upsample};
}

} // namespace cnnc::frontend::onnximport
