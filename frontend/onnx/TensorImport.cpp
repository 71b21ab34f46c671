// Data movement: Concat, Split (split as attribute before opset 13, input after), Slice
// (attributes before opset 10, inputs after), Transpose, Pad (constant mode; attributes before
// opset 11), Flatten, Reshape (0 and -1, allowzero), Squeeze/Unsqueeze (axes attribute before
// opset 13, input after; both become reshapes). Known inputs fold to known results where
// exporters use these ops for shape arithmetic.
#include "frontend/onnx/KnownEval.h"
#include "frontend/onnx/OpTable.h"

#include <fmt/ranges.h>

#include <algorithm>

namespace cnnc::frontend::onnximport {

namespace {

void import_concat(Context &ctx) {
    // axis became required in opset 4; before, it defaulted to 1.
    if (!ctx.attr("axis") && ctx.opset() >= 4)
        ctx.fail("attribute 'axis' is required");
    if (ctx.num_inputs() == 0)
        ctx.fail("needs at least one input");
    const int64_t axis = ctx.axis(ctx.attr_int("axis", 1), ctx.type(0).rank());
    std::vector<const Known *> known;
    for (int i = 0; i < ctx.num_inputs(); ++i)
        if (const Known *k = ctx.known(i))
            known.push_back(k);
    if (static_cast<int>(known.size()) == ctx.num_inputs()) {
        ctx.define_known(0, known_concat(ctx, known, axis));
        return;
    }
    std::vector<ir::ValueId> in;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
        ctx.require_f32(i);
        in.push_back(ctx.value(i));
    }
    ir::ConcatAttrs a;
    a.axis = axis;
    ctx.emit(ir::OpKind::concat, std::move(in), a, 0);
}

void import_split(Context &ctx) {
    ctx.require_f32(0);
    const ir::Dims dims = ctx.dims(0);
    ir::SplitAttrs a;
    a.axis = ctx.axis(ctx.attr_int("axis", 0), static_cast<int64_t>(dims.size()));
    const int64_t dim = dims[static_cast<size_t>(a.axis)];
    const int n = ctx.node().output_size();
    if (ctx.opset() < 13) {
        if (auto s = ctx.attr_ints("split"))
            a.sizes = *s;
    } else if (ctx.has_input(1)) {
        a.sizes = ctx.require_known(1, "split sizes").as_ints();
    }
    if (a.sizes.empty()) {
        if (n == 0 || dim % n != 0)
            ctx.fail("cannot split a dim of {} into {} equal parts", dim, n);
        a.sizes.assign(static_cast<size_t>(n), dim / n);
    }
    if (static_cast<int>(a.sizes.size()) != n)
        ctx.fail("split has {} sizes for {} outputs", a.sizes.size(), n);
    int64_t total = 0;
    for (int64_t s : a.sizes) {
        if (s < 0)
            ctx.fail("split sizes must not be negative, got [{}]", fmt::join(a.sizes, ","));
        total += s;
    }
    if (total != dim)
        ctx.fail("split sizes [{}] add up to {}, but axis {} has {}", fmt::join(a.sizes, ","),
                 total, a.axis, dim);
    ctx.emit_multi(ir::OpKind::split, {ctx.value(0)}, a, n);
}

void import_slice(Context &ctx) {
    const int64_t rank = ctx.type(0).rank();
    std::vector<int64_t> starts, ends, axes, steps;
    if (ctx.opset() < 10) {
        auto s = ctx.attr_ints("starts"), e = ctx.attr_ints("ends");
        if (!s || !e)
            ctx.fail("attributes 'starts' and 'ends' are required");
        starts = *s, ends = *e;
        if (auto a = ctx.attr_ints("axes"))
            axes = *a;
    } else {
        starts = ctx.require_known(1, "starts").as_ints();
        ends = ctx.require_known(2, "ends").as_ints();
        if (ctx.has_input(3))
            axes = ctx.require_known(3, "axes").as_ints();
        if (ctx.has_input(4))
            steps = ctx.require_known(4, "steps").as_ints();
    }
    if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i)
            axes.push_back(static_cast<int64_t>(i));
    if (steps.empty())
        steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
        ctx.fail("starts, ends, axes and steps have different lengths ({}, {}, {}, {})",
                 starts.size(), ends.size(), axes.size(), steps.size());
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t &axis : axes) {
        axis = ctx.axis(axis, rank, "slice axis");
        if (seen[static_cast<size_t>(axis)])
            ctx.fail("slices axis {} twice", axis);
        seen[static_cast<size_t>(axis)] = true;
    }
    for (int64_t step : steps)
        if (step == 0)
            ctx.fail("slice step must not be 0");
    if (const Known *k = ctx.known(0)) {
        ctx.define_known(0, known_slice(ctx, *k, axes, starts, ends, steps));
        return;
    }
    ctx.require_f32(0);
    ir::SliceAttrs a;
    a.axes = axes, a.starts = starts, a.ends = ends, a.steps = steps;
    ctx.emit(ir::OpKind::slice, {ctx.value(0)}, a, 0);
}

void import_transpose(Context &ctx) {
    const int64_t rank = ctx.type(0).rank();
    ir::TransposeAttrs a;
    if (auto perm = ctx.attr_ints("perm")) {
        a.perm = *perm;
    } else {
        for (int64_t i = rank - 1; i >= 0; --i)
            a.perm.push_back(i);
    }
    std::vector<int64_t> sorted = a.perm;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < static_cast<int64_t>(sorted.size()); ++i)
        if (sorted[static_cast<size_t>(i)] != i || static_cast<int64_t>(sorted.size()) != rank)
            ctx.fail("perm [{}] is not a permutation of a rank-{} input's axes",
                     fmt::join(a.perm, ","), rank);
    ctx.require_f32(0);
    ctx.emit(ir::OpKind::transpose, {ctx.value(0)}, a, 0);
}

void import_pad(Context &ctx) {
    ctx.require_f32(0);
    const int64_t rank = ctx.type(0).rank();
    ir::PadAttrs a;
    if (ctx.opset() < 11) {
        auto pads = ctx.attr_ints("pads");
        if (!pads)
            ctx.fail("attribute 'pads' is required");
        a.pads = *pads;
        a.value = ctx.attr_float("value", 0.0);
    } else {
        a.pads = ctx.require_known(1, "pads").as_ints();
        if (ctx.has_input(2)) {
            const Known &v = ctx.require_known(2, "constant value");
            if (v.size() != 1)
                ctx.fail("the constant value must be a scalar, got dims {}",
                         ir::dims_to_string(v.dims));
            a.value = v.as_floats()[0];
        }
    }
    if (static_cast<int64_t>(a.pads.size()) != 2 * rank)
        ctx.fail("pads has {} entries; a rank-{} input needs {}", a.pads.size(), rank, 2 * rank);
    ctx.emit(ir::OpKind::pad, {ctx.value(0)}, a, 0);
}

void check_pad(const onnx::NodeProto &node, int64_t, std::vector<std::string> &p) {
    const std::string mode = NodeAttrs(node).get_string("mode", "constant");
    if (mode != "constant")
        p.push_back(fmt::format("mode '{}' is not supported (only 'constant')", mode));
}

void import_flatten(Context &ctx) {
    ctx.require_f32(0);
    const int64_t rank = ctx.type(0).rank();
    ir::FlattenAttrs a;
    const int64_t axis = ctx.attr_int("axis", 1);
    // Flatten's axis may equal the rank (everything goes into the first dim).
    a.axis = axis == rank ? rank : ctx.axis(axis, rank);
    ctx.emit(ir::OpKind::flatten, {ctx.value(0)}, a, 0);
}

// Reshape, Squeeze and Unsqueeze all end here: a known input is reshaped at import time.
void emit_reshape(Context &ctx, const ir::Dims &shape) {
    if (const Known *k = ctx.known(0)) {
        Known r = *k;
        r.dims = shape;
        ctx.define_known(0, std::move(r));
        return;
    }
    ctx.require_f32(0);
    ir::ReshapeAttrs a;
    a.shape = shape;
    ctx.emit(ir::OpKind::reshape, {ctx.value(0)}, a, 0);
}

void import_reshape(Context &ctx) {
    if (ctx.opset() < 5) { // the target shape was an attribute
        auto shape = ctx.attr_ints("shape");
        if (!shape)
            ctx.fail("attribute 'shape' is required");
        emit_reshape(ctx, resolve_reshape(ctx, ctx.dims(0), *shape, false));
        return;
    }
    const Known &shape = ctx.require_known(1, "target shape");
    if (shape.dims.size() != 1)
        ctx.fail("the target shape must be 1-D, got dims {}", ir::dims_to_string(shape.dims));
    const bool allow_zero = ctx.attr_int("allowzero", 0) != 0;
    emit_reshape(ctx, resolve_reshape(ctx, ctx.dims(0), shape.as_ints(), allow_zero));
}

std::vector<int64_t> squeeze_axes(Context &ctx) {
    if (ctx.opset() < 13)
        return ctx.attr_ints("axes").value_or(std::vector<int64_t>{});
    return ctx.has_input(1) ? ctx.require_known(1, "axes").as_ints() : std::vector<int64_t>{};
}

void import_squeeze(Context &ctx) {
    const ir::Dims in = ctx.dims(0);
    const int64_t rank = static_cast<int64_t>(in.size());
    std::vector<int64_t> axes = squeeze_axes(ctx);
    std::vector<bool> drop(in.size(), false);
    if (axes.empty()) {
        for (size_t i = 0; i < in.size(); ++i)
            drop[i] = in[i] == 1;
    }
    for (int64_t axis : axes) {
        const int64_t a = ctx.axis(axis, rank);
        if (in[static_cast<size_t>(a)] != 1)
            ctx.fail("cannot squeeze axis {} of {}: its size is not 1", a, ir::dims_to_string(in));
        drop[static_cast<size_t>(a)] = true;
    }
    ir::Dims out;
    for (size_t i = 0; i < in.size(); ++i)
        if (!drop[i])
            out.push_back(in[i]);
    emit_reshape(ctx, out);
}

void import_unsqueeze(Context &ctx) {
    const ir::Dims in = ctx.dims(0);
    std::vector<int64_t> axes = ctx.opset() < 13 ? ctx.attr_ints("axes").value_or(std::vector<int64_t>{})
                                                 : ctx.require_known(1, "axes").as_ints();
    if (axes.empty())
        ctx.fail("needs at least one axis");
    const int64_t out_rank = static_cast<int64_t>(in.size() + axes.size());
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t axis : axes) {
        const int64_t a = ctx.axis(axis, out_rank);
        if (inserted[static_cast<size_t>(a)])
            ctx.fail("axis {} is given twice", a);
        inserted[static_cast<size_t>(a)] = true;
    }
    ir::Dims out;
    size_t next = 0;
    for (int64_t i = 0; i < out_rank; ++i)
        out.push_back(inserted[static_cast<size_t>(i)] ? 1 : in[next++]);
    emit_reshape(ctx, out);
}

} // namespace

void register_tensor_ops(OpTable &table) {
    table["Concat"] = {{}, nullptr, import_concat};
    table["Split"] = {{1}, nullptr, import_split};
    table["Slice"] = {{1, 2, 3, 4}, nullptr, import_slice};
    table["Transpose"] = {{}, nullptr, import_transpose};
    table["Pad"] = {{1, 2}, check_pad, import_pad};
    table["Flatten"] = {{}, nullptr, import_flatten};
    table["Reshape"] = {{1}, nullptr, import_reshape};
    table["Squeeze"] = {{1}, nullptr, import_squeeze};
    table["Unsqueeze"] = {{1}, nullptr, import_unsqueeze};
}

} // namespace cnnc::frontend::onnximport
