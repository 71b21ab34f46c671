// The reference interpreter's driver: run() walks the graph in topological order, evaluating each
// live op with the plain-loop kernels of Kernels.h and dropping each intermediate tensor as soon
// as its last reader has run, so a whole ResNet fits in memory; evaluate_op() is the per-op
// dispatch, reading attributes and result types from the graph.
#include "reference/Interpreter.h"

#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Traversal.h"
#include "reference/Kernels.h"

#include <memory>

namespace cnnc::reference {

using ir::OpKind;
using ir::Tensor;
using ir::TensorType;

std::vector<Tensor> evaluate_op(const ir::Graph &g, const ir::Op &op,
                                const std::vector<const Tensor *> &operands) {
    internal_assert(operands.size() == op.inputs.size(), "{}: {} operands given for {} inputs",
                    ir::describe_op(g, op), operands.size(), op.inputs.size());
    for (size_t i = 0; i < operands.size(); ++i) {
        internal_assert(operands[i] != nullptr, "{}: operand {} missing", ir::describe_op(g, op), i);
        internal_assert(operands[i]->type == g.type(op.inputs[i]) &&
                            operands[i]->size() == operands[i]->type.num_elements(),
                        "{}: operand {} is {} with {} elements, the graph says {}",
                        ir::describe_op(g, op), i, ir::to_string(operands[i]->type),
                        operands[i]->size(), ir::to_string(g.type(op.inputs[i])));
    }
    std::vector<TensorType> results;
    for (ir::ValueId out : op.outputs) {
        results.push_back(g.type(out));
        if (results.back().dtype != ir::DType::f32)
            user_error("{}: the reference interpreter computes in f32 only, result is {}",
                       ir::describe_op(g, op), ir::to_string(results.back()));
    }
    auto in = [&](size_t i) -> const Tensor & { return *operands[i]; };
    auto optional_in = [&](size_t i) { return i < operands.size() ? operands[i] : nullptr; };
    const TensorType &result = results.at(0);
    namespace k = kernels;

    switch (op.kind) {
    case OpKind::input:
        user_error("{}: a graph input has no value of its own; pass it to reference::run",
                   ir::describe_op(g, op));
    case OpKind::constant: {
        const auto &data = op.attr<ir::ConstantAttrs>().data;
        internal_assert(data != nullptr, "{}: constant without data", ir::describe_op(g, op));
        return {Tensor(result, data->values())};
    }
    case OpKind::conv2d:
    case OpKind::gemm: {
        // Operands x, w, [bias], [residual]: which are present is decoded by epilogue_of (a
        // residual without a bias is operand 2, not a bias).
        const ir::Epilogue e = ir::epilogue_of(op);
        const Tensor *bias = e.bias ? operands[2] : nullptr;
        const Tensor *residual = e.residual ? operands.back() : nullptr;
        Tensor y = op.kind == OpKind::conv2d
                       ? k::conv2d(in(0), in(1), bias, op.attr<ir::Conv2DAttrs>(), result)
                       : k::gemm(in(0), in(1), bias, op.attr<ir::GemmAttrs>(), result);
        k::apply_epilogue(y, e, residual);
        return {std::move(y)};
    }
    case OpKind::conv_transpose:
        return {k::conv_transpose(in(0), in(1), optional_in(2), op.attr<ir::ConvTransposeAttrs>(),
                                  result)};
    case OpKind::batch_norm:
        return {k::batch_norm(in(0), in(1), in(2), in(3), in(4), op.attr<ir::BatchNormAttrs>())};
    case OpKind::scale_shift: return {k::scale_shift(in(0), in(1), in(2), ir::epilogue_of(op))};
    case OpKind::relu: return {k::relu(in(0))};
    case OpKind::clip: return {k::clip(in(0), op.attr<ir::ClipAttrs>())};
    case OpKind::leaky_relu: return {k::leaky_relu(in(0), op.attr<ir::LeakyReluAttrs>())};
    case OpKind::sigmoid: return {k::sigmoid(in(0))};
    case OpKind::neg: return {k::neg(in(0))};
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div: return {k::binary(op.kind, in(0), in(1), result)};
    case OpKind::max_pool: return {k::max_pool(in(0), op.attr<ir::PoolAttrs>(), result)};
    case OpKind::avg_pool: return {k::avg_pool(in(0), op.attr<ir::PoolAttrs>(), result)};
    case OpKind::global_avg_pool: return {k::global_avg_pool(in(0), result)};
    case OpKind::global_max_pool: return {k::global_max_pool(in(0), result)};
    case OpKind::concat: return {k::concat(operands, op.attr<ir::ConcatAttrs>(), result)};
    case OpKind::split: return k::split(in(0), op.attr<ir::SplitAttrs>(), results);
    case OpKind::slice: return {k::slice(in(0), op.attr<ir::SliceAttrs>(), result)};
    case OpKind::flatten:
    case OpKind::reshape:
    case OpKind::identity:
    case OpKind::dropout: return {k::retype(in(0), result)};
    case OpKind::transpose: return {k::transpose(in(0), op.attr<ir::TransposeAttrs>(), result)};
    case OpKind::channel_shuffle: return {k::channel_shuffle(in(0), op.attr<ir::ChannelShuffleAttrs>())};
    case OpKind::softmax: return {k::softmax(in(0), op.attr<ir::SoftmaxAttrs>())};
    case OpKind::lrn: return {k::lrn(in(0), op.attr<ir::LrnAttrs>())};
    case OpKind::pad: return {k::pad(in(0), op.attr<ir::PadAttrs>(), result)};
    case OpKind::resize: return {k::resize(in(0), op.attr<ir::ResizeAttrs>(), result)};
    }
    internal_assert(false, "the reference interpreter misses op kind {}", ir::op_name(op.kind));
}

std::vector<Tensor> run(const ir::Graph &g, const std::vector<Tensor> &inputs) {
    const std::vector<ir::ValueId> graph_inputs = g.inputs();
    if (inputs.size() != graph_inputs.size())
        user_error("graph '{}' takes {} inputs, got {}", g.name, graph_inputs.size(),
                   inputs.size());

    // Each value is read through `view`; values computed here are owned by `owned`, the caller's
    // inputs are not copied.
    std::vector<const Tensor *> view(g.values().size(), nullptr);
    std::vector<std::unique_ptr<Tensor>> owned(g.values().size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        const ir::Value &v = g.value(graph_inputs[i]);
        const TensorType &expected = g.type(graph_inputs[i]);
        if (inputs[i].type != expected)
            user_error("input {} (%{}): expected {}, got {}", i, v.name, ir::to_string(expected),
                       ir::to_string(inputs[i].type));
        if (inputs[i].size() != expected.num_elements())
            user_error("input {} (%{}): {} holds {} values, expected {}", i, v.name,
                       ir::to_string(expected), inputs[i].size(), expected.num_elements());
        view[static_cast<size_t>(graph_inputs[i])] = &inputs[i];
    }

    // Readers still to run per value; a graph output is pinned with one extra reader.
    const std::vector<bool> live = ir::live_ops(g);
    std::vector<int> pending(g.values().size(), 0);
    for (const ir::Op &op : g.ops())
        if (live[static_cast<size_t>(&op - g.ops().data())])
            for (ir::ValueId operand : op.inputs) ++pending[static_cast<size_t>(operand)];
    for (ir::ValueId out : g.outputs()) ++pending[static_cast<size_t>(out)];
    auto release = [&](ir::ValueId id) {
        const auto i = static_cast<size_t>(id);
        if (pending[i] == 0 && owned[i]) owned[i].reset(), view[i] = nullptr;
    };

    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        if (op.kind == OpKind::input || !live[static_cast<size_t>(id)]) continue;
        std::vector<const Tensor *> operands;
        for (ir::ValueId operand : op.inputs) {
            internal_assert(view[static_cast<size_t>(operand)] != nullptr,
                            "{}: operand %{} read before it was computed", ir::describe_op(g, op),
                            g.value(operand).name);
            operands.push_back(view[static_cast<size_t>(operand)]);
        }
        std::vector<Tensor> results = evaluate_op(g, op, operands);
        internal_assert(results.size() == op.outputs.size(), "{}: {} results for {} values",
                        ir::describe_op(g, op), results.size(), op.outputs.size());
        for (size_t r = 0; r < results.size(); ++r) {
            const auto out = static_cast<size_t>(op.outputs[r]);
            owned[out] = std::make_unique<Tensor>(std::move(results[r]));
            view[out] = owned[out].get();
        }
        for (ir::ValueId operand : op.inputs) {
            --pending[static_cast<size_t>(operand)];
            release(operand);
        }
        for (ir::ValueId out : op.outputs) release(out); // results nobody reads
    }

    std::vector<Tensor> outputs;
    for (ir::ValueId out : g.outputs()) {
        const Tensor *t = view[static_cast<size_t>(out)];
        internal_assert(t != nullptr, "graph output %{} was never computed", g.value(out).name);
        outputs.push_back(*t);
    }
    return outputs;
}

} // namespace cnnc::reference
