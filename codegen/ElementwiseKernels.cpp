// Halide kernels for the elementwise ops: activations, the binary arithmetic ops with numpy
// broadcasting, an unfused batch_norm, the per-channel scale_shift with its activation, and the
// identities (identity, dropout) as copies. Each is one pure Func over the result's standard
// layout, read through the operands' layouts by logical coordinates, vectorised across the
// innermost dimension and parallel over the outermost.
#include "codegen/HalideHelpers.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"

namespace cnnc::codegen {

using namespace Halide;

void build_elementwise(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan,
                       KernelBuild &build) {
    const ir::TensorType &result = g.type(op.outputs[0]);
    const std::vector<Var> vars = make_vars(result.rank());
    const std::vector<Expr> at = logical_coords(vars, result.rank());
    auto operand = [&](size_t i) { return logical_input(build.params.at(i), g.type(op.inputs[i])); };
    Expr x = operand(0).broadcast_at(at);
    Expr v;
    ir::Epilogue activation;
    switch (op.kind) {
    case ir::OpKind::relu: activation.activation = "relu"; v = activate(x, activation); break;
    case ir::OpKind::sigmoid: activation.activation = "sigmoid"; v = activate(x, activation); break;
    case ir::OpKind::clip: {
        const auto &a = op.attr<ir::ClipAttrs>();
        v = min(max(x, static_cast<float>(a.min)), static_cast<float>(a.max));
        break;
    }
    case ir::OpKind::leaky_relu:
        v = select(x >= 0.0f, x, static_cast<float>(op.attr<ir::LeakyReluAttrs>().alpha) * x);
        break;
    case ir::OpKind::neg: v = -x; break;
    case ir::OpKind::identity:
    case ir::OpKind::dropout: v = x; break;
    case ir::OpKind::add: v = x + operand(1).broadcast_at(at); break;
    case ir::OpKind::sub: v = x - operand(1).broadcast_at(at); break;
    case ir::OpKind::mul: v = x * operand(1).broadcast_at(at); break;
    case ir::OpKind::div: v = x / operand(1).broadcast_at(at); break;
    case ir::OpKind::batch_norm: {
        // Per channel (axis 1): (x - mean) / sqrt(var + eps) * scale + bias.
        Expr channel = at.at(1);
        Expr scale = operand(1).at({channel}), bias = operand(2).at({channel});
        Expr mean = operand(3).at({channel}), var = operand(4).at({channel});
        const float eps = static_cast<float>(op.attr<ir::BatchNormAttrs>().epsilon);
        v = (x - mean) / sqrt(var + eps) * scale + bias;
        break;
    }
    case ir::OpKind::scale_shift: {
        // Per channel (axis 1), rounded after the multiply as the reference does; then the
        // activation fuse-epilogue gave it, so BN + relu is one pass over memory.
        Expr channel = at.at(1);
        Expr scaled = x * operand(1).at({channel});
        v = activate(scaled + operand(2).at({channel}), ir::epilogue_of(op));
        break;
    }
    default: internal_assert(false, "{} is not elementwise", ir::describe_op(g, op));
    }
    Func out(std::string(ir::op_name(op.kind)) + "_out");
    out(vars) = v;
    schedule_pointwise(out, vars, plan.output.shape, plan.schedule);
    build.output = out;
    build.vars = vars;
}

} // namespace cnnc::codegen
