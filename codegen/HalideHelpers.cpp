// Shared pieces of the Halide kernel builders (see HalideHelpers.h).
#include "codegen/HalideHelpers.h"

#include "codegen/GpuSchedules.h"
#include "ir/Error.h"

namespace cnnc::codegen {

using namespace Halide;

ImageParam make_param(const std::string &name, const BufferShape &shape) {
    ImageParam p(Float(32), static_cast<int>(shape.rank()), name);
    for (int d = 0; d < shape.rank(); ++d)
        p.dim(d).set_bounds(0, static_cast<int>(shape.extents[d]))
            .set_stride(static_cast<int>(shape.strides[d]));
    return p;
}

void constrain_output(Func &f, const BufferShape &shape) {
    OutputImageParam out = f.output_buffer();
    for (int d = 0; d < shape.rank(); ++d)
        out.dim(d).set_bounds(0, static_cast<int>(shape.extents[d]))
            .set_stride(static_cast<int>(shape.strides[d]));
}

LogicalInput logical_input(const ImageParam &param, const ir::TensorType &type) {
    return {param, standard_axes(type.rank()), type.dims};
}

Expr LogicalInput::at(const std::vector<Expr> &logical) const {
    internal_assert(logical.size() == dims.size(), "{} coordinates for a rank-{} value", logical.size(),
                    dims.size());
    std::vector<Expr> physical;
    for (int axis : axes) physical.push_back(logical[static_cast<size_t>(axis)]);
    return param(physical);
}

Expr LogicalInput::broadcast_at(const std::vector<Expr> &logical) const {
    internal_assert(logical.size() >= dims.size(), "broadcast of rank {} to rank {}", dims.size(),
                    logical.size());
    const size_t skip = logical.size() - dims.size();
    std::vector<Expr> mine;
    for (size_t a = 0; a < dims.size(); ++a) mine.push_back(dims[a] == 1 ? Expr(0) : logical[skip + a]);
    return at(mine);
}

std::vector<Var> make_vars(int64_t rank) {
    std::vector<Var> vars;
    for (int64_t d = 0; d < rank; ++d) // Not "v<N>": Halide names its own anonymous Vars that way, and a clash silently merges them.
        vars.emplace_back("dim" + std::to_string(d));
    return vars;
}

std::vector<Expr> logical_coords(const std::vector<Var> &vars, int64_t rank) {
    std::vector<Expr> logical(static_cast<size_t>(rank));
    const std::vector<int> axes = standard_axes(rank);
    for (size_t d = 0; d < axes.size(); ++d) logical[static_cast<size_t>(axes[d])] = vars[d];
    return logical;
}

Expr activate(Expr v, const ir::Epilogue &e) {
    if (e.activation == "relu") return max(v, 0.0f);
    if (e.activation == "clip")
        return clamp(v, static_cast<float>(e.clip_min), static_cast<float>(e.clip_max));
    if (e.activation == "leaky_relu") return select(v >= 0.0f, v, static_cast<float>(e.alpha) * v);
    if (e.activation == "sigmoid") return 1.0f / (1.0f + exp(-v));
    internal_assert(e.activation == "none", "activation '{}'", e.activation);
    return v;
}

void schedule_pointwise(Func f, const std::vector<Var> &vars, const BufferShape &shape,
                        const Schedule &schedule) {
    if (schedule.gpu.active()) return schedule_gpu_pointwise(f, vars, shape);
    if (shape.rank() == 0) return;
    if (schedule.vector_width > 1 && shape.extents[0] >= schedule.vector_width)
        f.vectorize(vars[0], schedule.vector_width);
    if (!schedule.parallel) return;
    for (int d = static_cast<int>(shape.rank()) - 1; d >= 1; --d)
        if (shape.extents[static_cast<size_t>(d)] > 1) {
            f.parallel(vars[static_cast<size_t>(d)]);
            return;
        }
}

ConvOperands conv_operands(const ir::Op &op, const KernelBuild &build) {
    const ir::Epilogue e = ir::epilogue_of(op);
    ConvOperands o{build.params.at(0), build.params.at(1), {}, {}};
    size_t next = 2;
    if (e.bias) o.bias = build.params.at(next++);
    if (e.residual) o.residual = build.params.at(next++);
    return o;
}

bool has_padding(const ir::Pads &pad) { return pad[0] || pad[1] || pad[2] || pad[3]; }

} // namespace cnnc::codegen
