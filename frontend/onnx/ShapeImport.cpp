// The ops exporters use for shape arithmetic, evaluated at import time: Shape (start/end from
// opset 15), Gather, Cast, Constant (every value_* form but sparse and strings),
// ConstantOfShape. Since shapes are static, their results are known and fold away; Gather on
// a runtime tensor with constant indices becomes slices (and a concat), and Cast of a float
// tensor to float is the identity.
#include "frontend/onnx/KnownEval.h"
#include "frontend/onnx/OpTable.h"

#include <algorithm>

namespace cnnc::frontend::onnximport {

namespace {

void import_shape(Context &ctx) {
    const ir::Dims dims = ctx.dims(0);
    const int64_t rank = static_cast<int64_t>(dims.size());
    auto clamp_index = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
    const int64_t start = clamp_index(ctx.attr_int("start", 0));
    const int64_t end = clamp_index(ctx.attr_int("end", rank));
    std::vector<int64_t> out;
    for (int64_t i = start; i < end; ++i)
        out.push_back(dims[static_cast<size_t>(i)]);
    const int64_t n = static_cast<int64_t>(out.size());
    ctx.define_known(0, Known::from_ints({n}, std::move(out)));
}

// Runtime data, constant indices: each index is a one-wide slice; several are concatenated.
void gather_runtime(Context &ctx, const Known &indices, int64_t axis) {
    ctx.require_f32(0);
    const ir::Dims dims = ctx.dims(0);
    const int64_t dim = dims[static_cast<size_t>(axis)];
    const std::vector<int64_t> idx = indices.as_ints();
    constexpr size_t max_indices = 1024; // beyond this a gather is not shape plumbing
    if (idx.size() > max_indices)
        ctx.fail("gathers {} indices from a runtime tensor; cnnc supports at most {}",
                 idx.size(), max_indices);
    if (idx.empty())
        ctx.fail("gathers no indices (an empty result)");
    std::vector<ir::ValueId> pieces;
    for (int64_t i : idx) {
        if (i < -dim || i >= dim)
            ctx.fail("index {} is out of range for axis {} of {}", i, axis,
                     ir::dims_to_string(dims));
        const int64_t j = i < 0 ? i + dim : i;
        ir::SliceAttrs s;
        s.axes = {axis}, s.starts = {j}, s.ends = {j + 1}, s.steps = {1};
        pieces.push_back(ctx.emit_temp(ir::OpKind::slice, {ctx.value(0)}, s, "gather"));
    }
    ir::ValueId joined = pieces[0];
    if (pieces.size() > 1) {
        ir::ConcatAttrs c;
        c.axis = axis;
        joined = ctx.emit_temp(ir::OpKind::concat, pieces, c, "gather");
    }
    ir::Dims out(dims.begin(), dims.begin() + axis);
    out.insert(out.end(), indices.dims.begin(), indices.dims.end());
    out.insert(out.end(), dims.begin() + axis + 1, dims.end());
    ir::ReshapeAttrs r;
    r.shape = out;
    ctx.emit(ir::OpKind::reshape, {joined}, r, 0);
}

void import_gather(Context &ctx) {
    const Known &indices = ctx.require_known(1, "indices");
    if (indices.is_float())
        ctx.fail("indices must be integers, got {}", onnx_dtype_name(indices.dtype));
    const int64_t axis = ctx.axis(ctx.attr_int("axis", 0), ctx.type(0).rank());
    if (const Known *data = ctx.known(0)) {
        ctx.define_known(0, known_gather(ctx, *data, indices, axis));
        return;
    }
    gather_runtime(ctx, indices, axis);
}

bool is_float_type(int64_t to) {
    return to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE ||
           to == onnx::TensorProto::FLOAT16 || to == onnx::TensorProto::BFLOAT16;
}

void import_cast(Context &ctx) {
    const onnx::AttributeProto *to_attr = ctx.attr("to");
    if (!to_attr)
        ctx.fail("attribute 'to' is required");
    const int64_t to = to_attr->i();
    if (const Known *k = ctx.known(0)) {
        Known r;
        r.dims = k->dims;
        r.dtype = static_cast<int32_t>(to);
        if (is_float_type(to)) {
            r.floats = k->as_floats();
        } else if (to == onnx::TensorProto::BOOL) {
            for (double v : k->as_floats())
                r.ints.push_back(v != 0);
        } else if (to == onnx::TensorProto::STRING || to == onnx::TensorProto::UNDEFINED ||
                   to > onnx::TensorProto::BFLOAT16) {
            ctx.fail("casts to {}, which cnnc does not support", onnx_dtype_name(static_cast<int32_t>(to)));
        } else {
            r.ints = k->as_ints();
        }
        ctx.define_known(0, std::move(r));
        return;
    }
    if (to != onnx::TensorProto::FLOAT)
        ctx.fail("casts a runtime tensor to {}; cnnc computes in float only",
                 onnx_dtype_name(static_cast<int32_t>(to)));
    ctx.require_f32(0);
    ctx.emit(ir::OpKind::identity, {ctx.value(0)}, ir::NoAttrs{}, 0);
}

void import_constant(Context &ctx) {
    const onnx::NodeProto &node = ctx.node();
    if (node.attribute_size() != 1)
        ctx.fail("needs exactly one value attribute, got {}", node.attribute_size());
    const onnx::AttributeProto &a = node.attribute(0);
    const std::string &name = a.name();
    if (name == "value") {
        ctx.define_known(0, decode_tensor(a.t(), ctx.origin() + ": attribute 'value'"));
    } else if (name == "value_float") {
        ctx.define_known(0, Known::from_floats({}, {a.f()}));
    } else if (name == "value_floats") {
        ctx.define_known(0, Known::from_floats({a.floats_size()},
                                               std::vector<double>(a.floats().begin(),
                                                                   a.floats().end())));
    } else if (name == "value_int") {
        ctx.define_known(0, Known::from_ints({}, {a.i()}));
    } else if (name == "value_ints") {
        ctx.define_known(0, Known::from_ints({a.ints_size()},
                                             std::vector<int64_t>(a.ints().begin(), a.ints().end())));
    } else {
        ctx.fail("attribute '{}' is not supported", name);
    }
}

void check_constant(const onnx::NodeProto &node, int64_t, std::vector<std::string> &p) {
    for (const onnx::AttributeProto &a : node.attribute())
        if (a.name() == "sparse_value" || a.name() == "value_string" ||
            a.name() == "value_strings")
            p.push_back(fmt::format("attribute '{}' is not supported", a.name()));
}

void import_constant_of_shape(Context &ctx) {
    const Known &shape = ctx.require_known(0, "shape");
    Known fill = Known::from_floats({1}, {0.0});
    if (const onnx::AttributeProto *v = ctx.attr("value"))
        fill = decode_tensor(v->t(), ctx.origin() + ": attribute 'value'");
    if (fill.size() != 1)
        ctx.fail("attribute 'value' must hold one element");
    ir::Dims dims = shape.as_ints();
    int64_t n = 1;
    for (int64_t d : dims) {
        if (d < 0 || (d > 0 && n > (int64_t{1} << 26) / d))
            ctx.fail("shape {} is negative or too large to fold", ir::dims_to_string(dims));
        n *= d;
    }
    Known r;
    r.dtype = fill.dtype;
    r.dims = dims;
    if (fill.is_float())
        r.floats.assign(static_cast<size_t>(n), fill.floats[0]);
    else
        r.ints.assign(static_cast<size_t>(n), fill.ints[0]);
    ctx.define_known(0, std::move(r));
}

} // namespace

void register_shape_ops(OpTable &table) {
    table["Shape"] = {{}, nullptr, import_shape};
    table["Gather"] = {{1}, nullptr, import_gather};
    table["Cast"] = {{}, nullptr, import_cast};
    table["Constant"] = {{}, check_constant, import_constant};
    table["ConstantOfShape"] = {{0}, nullptr, import_constant_of_shape};
}

} // namespace cnnc::frontend::onnximport
