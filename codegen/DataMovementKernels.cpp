// Halide kernels for ops that move or renormalise data rather than compute on it: concat, split
// (one kernel per result, as a slice), slice, flatten/reshape, transpose, pad, resize, softmax and
// lrn. Each is written in logical (NCHW / C order) coordinates over the standard layouts, so one
// definition serves every rank; they are rare in CNNs, so their schedules are the simple pointwise
// one (vectorised innermost, parallel outermost), except concat, which copies each part with a
// vectorised loop straight into its slice of the output.
#include "codegen/GpuSchedules.h"
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"
#include "ir/ResizeTaps.h"
#include "ir/ShapeInference.h"

#include <algorithm>
#include <cmath>

namespace cnnc::codegen {

using namespace Halide;

namespace {

int64_t normalize_axis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// Halide dim of logical `axis` in the standard layout of a rank-`rank` value.
int physical_dim(int64_t axis, int64_t rank) {
    const std::vector<int> axes = standard_axes(rank);
    return static_cast<int>(std::find(axes.begin(), axes.end(), axis) - axes.begin());
}

void build_concat(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &build) {
    const ir::TensorType &result = g.type(op.outputs[0]);
    const int64_t axis = normalize_axis(op.attr<ir::ConcatAttrs>().axis, result.rank());
    const int dim = physical_dim(axis, result.rank());
    const std::vector<Var> vars = make_vars(result.rank());
    Func out("concat_out");
    out(vars) = undef<float>();
    int64_t offset = 0;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
        // Same rank, same standard layout: the part is the output's box shifted along `dim`.
        const BufferShape &part = plan.inputs[i].shape;
        Region box;
        for (int64_t e : part.extents) box.emplace_back(0, static_cast<int>(e));
        RDom r(box, "r" + std::to_string(i));
        std::vector<Expr> from, to;
        for (int d = 0; d < part.rank(); ++d) {
            from.push_back(r[d]);
            to.push_back(d == dim ? r[d] + static_cast<int>(offset) : Expr(r[d]));
        }
        out(to) = build.params[i](from);
        const int extent0 = static_cast<int>(part.extents[0]);
        Stage stage = out.update(static_cast<int>(i));
        if (plan.schedule.gpu.active()) {
            schedule_gpu_update(stage, r);
            offset += g.type(op.inputs[i]).dims[static_cast<size_t>(axis)];
            continue;
        }
        stage.allow_race_conditions(); // each point of r writes its own output element
        if (extent0 >= plan.schedule.vector_width && plan.schedule.vector_width > 1)
            stage.vectorize(r[0], plan.schedule.vector_width);
        if (plan.schedule.parallel)
            for (int d = static_cast<int>(part.rank()) - 1; d >= 1; --d)
                if (part.extents[static_cast<size_t>(d)] > 1) {
                    stage.parallel(r[d]);
                    break;
                }
        offset += g.type(op.inputs[i]).dims[static_cast<size_t>(axis)];
    }
    // The pure stage writes nothing (undef), but its loop nest must be on the device too: a GPU
    // kernel never touches host memory.
    if (plan.schedule.gpu.active()) schedule_gpu_pointwise(out, vars, plan.output.shape);
    build.output = out;
    build.vars = vars;
}

// Slice / split: out[i] reads in[start + i * step] along each axis.
Expr strided_read(const LogicalInput &in, const std::vector<Expr> &at, const std::vector<int64_t> &start,
                  const std::vector<int64_t> &step) {
    std::vector<Expr> from;
    for (size_t a = 0; a < at.size(); ++a)
        from.push_back(static_cast<int>(start[a]) + at[a] * static_cast<int>(step[a]));
    return in.at(from);
}

Expr sliced(const ir::Graph &g, const ir::Op &op, const LogicalInput &in, const std::vector<Expr> &at) {
    const ir::Dims &dims = in.dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    std::vector<int64_t> start(dims.size(), 0), step(dims.size(), 1);
    const auto &a = op.attr<ir::SliceAttrs>();
    for (size_t i = 0; i < a.axes.size(); ++i) {
        const auto axis = static_cast<size_t>(normalize_axis(a.axes[i], rank));
        const int64_t dim = dims[axis], s = a.steps.at(i);
        int64_t first = a.starts.at(i);
        if (first < 0) first += dim;
        first = std::clamp<int64_t>(first, 0, s > 0 ? dim : std::max<int64_t>(dim - 1, 0));
        start[axis] = first, step[axis] = s;
    }
    return strided_read(in, at, start, step);
}

// Reshape and flatten: the same C-order linear index on both sides.
Expr reshaped(const LogicalInput &in, const ir::Dims &out_dims, const std::vector<Expr> &at) {
    Expr linear = 0;
    for (size_t a = 0; a < out_dims.size(); ++a) linear = linear * static_cast<int>(out_dims[a]) + at[a];
    std::vector<Expr> from(in.dims.size());
    for (size_t a = in.dims.size(); a-- > 0;) {
        from[a] = linear % static_cast<int>(in.dims[a]);
        linear = linear / static_cast<int>(in.dims[a]);
    }
    return in.at(from);
}

// For resize: the input index (or the two indices and weight) each output index reads along one
// axis (ir/ResizeTaps.h, shared with the reference interpreter), embedded as tables.
struct AxisTable {
    Buffer<int32_t> first, second;
    Buffer<float> weight;
};

AxisTable resize_table(const ir::ResizeAttrs &a, int axis, int64_t in_len, int64_t out_len) {
    const ir::ResizeTaps taps = ir::resize_taps(a, axis, in_len, out_len);
    AxisTable t{Buffer<int32_t>(static_cast<int>(out_len)), Buffer<int32_t>(static_cast<int>(out_len)),
                Buffer<float>(static_cast<int>(out_len))};
    for (int i = 0; i < static_cast<int>(out_len); ++i) {
        t.first(i) = static_cast<int32_t>(taps.first[static_cast<size_t>(i)]);
        t.second(i) = static_cast<int32_t>(taps.second[static_cast<size_t>(i)]);
        t.weight(i) = static_cast<float>(taps.weight[static_cast<size_t>(i)]);
    }
    return t;
}

} // namespace

void build_data_movement(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan,
                         KernelBuild &build) {
    if (op.kind == ir::OpKind::concat) return build_concat(g, op, plan, build);
    const ir::TensorType &result = g.type(op.outputs.at(static_cast<size_t>(plan.result_index)));
    const std::vector<Var> vars = make_vars(result.rank());
    const std::vector<Expr> at = logical_coords(vars, result.rank());
    const LogicalInput in = logical_input(build.params.at(0), g.type(op.inputs[0]));
    const int64_t in_rank = static_cast<int64_t>(in.dims.size());
    Func out(std::string(ir::op_name(op.kind)) + "_out");
    switch (op.kind) {
    case ir::OpKind::split: {
        const auto &a = op.attr<ir::SplitAttrs>();
        const auto axis = static_cast<size_t>(normalize_axis(a.axis, in_rank));
        std::vector<int64_t> start(in.dims.size(), 0), step(in.dims.size(), 1);
        for (int i = 0; i < plan.result_index; ++i) start[axis] += a.sizes.at(static_cast<size_t>(i));
        out(vars) = strided_read(in, at, start, step);
        break;
    }
    case ir::OpKind::slice: out(vars) = sliced(g, op, in, at); break;
    case ir::OpKind::flatten:
    case ir::OpKind::reshape: out(vars) = reshaped(in, result.dims, at); break;
    case ir::OpKind::transpose: {
        const auto &perm = op.attr<ir::TransposeAttrs>().perm;
        std::vector<Expr> from(in.dims.size());
        for (size_t i = 0; i < perm.size(); ++i) from[static_cast<size_t>(perm[i])] = at[i];
        out(vars) = in.at(from);
        break;
    }
    case ir::OpKind::channel_shuffle: {
        // Result channel j*g + i reads input channel i*(C/g) + j.
        const int groups = static_cast<int>(op.attr<ir::ChannelShuffleAttrs>().groups);
        const int per_group = static_cast<int>(in.dims[1]) / groups;
        out(vars) = in.at({at[0], (at[1] % groups) * per_group + at[1] / groups, at[2], at[3]});
        break;
    }
    case ir::OpKind::pad: {
        const auto &a = op.attr<ir::PadAttrs>();
        Expr inside = Halide::Internal::const_true();
        std::vector<Expr> from;
        for (size_t d = 0; d < in.dims.size(); ++d) {
            Expr i = at[d] - static_cast<int>(a.pads[d]);
            inside = inside && i >= 0 && i < static_cast<int>(in.dims[d]);
            from.push_back(clamp(i, 0, static_cast<int>(in.dims[d]) - 1));
        }
        out(vars) = select(inside, in.at(from), static_cast<float>(a.value));
        break;
    }
    case ir::OpKind::resize: {
        const auto &a = op.attr<ir::ResizeAttrs>();
        const AxisTable rows = resize_table(a, 0, in.dims[2], result.dims[2]);
        const AxisTable cols = resize_table(a, 1, in.dims[3], result.dims[3]);
        Expr n = at[0], c = at[1], y = at[2], x = at[3];
        // The tables hold in-range indices; the clamps tell Halide's bounds inference so.
        const int last_row = static_cast<int>(in.dims[2]) - 1, last_col = static_cast<int>(in.dims[3]) - 1;
        Expr top = clamp(rows.first(y), 0, last_row), bottom = clamp(rows.second(y), 0, last_row);
        Expr left = clamp(cols.first(x), 0, last_col), right = clamp(cols.second(x), 0, last_col);
        if (a.mode == "nearest") {
            out(vars) = in.at({n, c, top, left});
        } else {
            Expr wy = rows.weight(y), wx = cols.weight(x);
            Expr upper = (1.0f - wx) * in.at({n, c, top, left}) + wx * in.at({n, c, top, right});
            Expr lower = (1.0f - wx) * in.at({n, c, bottom, left}) + wx * in.at({n, c, bottom, right});
            out(vars) = (1.0f - wy) * upper + wy * lower;
        }
        break;
    }
    case ir::OpKind::softmax: {
        const auto axis = static_cast<size_t>(normalize_axis(op.attr<ir::SoftmaxAttrs>().axis, in_rank));
        const int dim = physical_dim(static_cast<int64_t>(axis), in_rank);
        std::vector<Var> reduced_vars;
        for (size_t d = 0; d < vars.size(); ++d)
            if (static_cast<int>(d) != dim) reduced_vars.push_back(vars[d]);
        RDom r(0, static_cast<int>(in.dims[axis]), "r");
        std::vector<Expr> along = at;
        along[axis] = r;
        Func highest("softmax_max"), total("softmax_sum");
        highest(reduced_vars) = maximum(in.at(along));
        total(reduced_vars) = sum(exp(in.at(along) - highest(reduced_vars)));
        out(vars) = exp(in.at(at) - highest(reduced_vars)) / total(reduced_vars);
        // On a GPU each thread recomputes its row's max and sum (softmax rows are short) rather
        // than keep them in device memory between kernels.
        if (!plan.schedule.gpu.active()) {
            highest.compute_root();
            total.compute_root();
        }
        break;
    }
    case ir::OpKind::lrn: {
        const auto &a = op.attr<ir::LrnAttrs>();
        const int before = static_cast<int>((a.size - 1) / 2), channels = static_cast<int>(in.dims[1]);
        RDom r(-before, static_cast<int>(a.size), "r");
        std::vector<Expr> near = at;
        Expr ch = at[1] + r;
        near[1] = clamp(ch, 0, channels - 1);
        Expr value = in.at(near);
        Expr square_sum = sum(select(ch >= 0 && ch < channels, value * value, 0.0f));
        out(vars) = in.at(at) / pow(static_cast<float>(a.bias) +
                                        static_cast<float>(a.alpha / static_cast<double>(a.size)) * square_sum,
                                    static_cast<float>(a.beta));
        break;
    }
    default: internal_assert(false, "{} is not a data-movement op", ir::describe_op(g, op));
    }
    schedule_pointwise(out, vars, plan.output.shape, plan.schedule);
    build.output = out;
    build.vars = vars;
}

} // namespace cnnc::codegen
