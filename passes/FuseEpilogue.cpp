/** fuse-epilogue: moves the elementwise ops that follow a conv2d or gemm into its output stage
 *   y = activation(conv(x, w) + bias + residual)        (Conv2DAttrs / GemmAttrs, ir/Epilogue.h)
 * so code generation applies them while the result is still in registers. Starting at a conv2d
 * or gemm, it follows the chain of sole readers and absorbs, in this order:
 *   - any number of bias adds: `add` with a constant that is per output channel ([1,C,1,1],
 *     [C,1,1] or all ones for conv2d; [N], [1,N] or [M,N] for gemm), summed into the bias;
 *   - one residual add: `add` of a tensor with exactly the result's type (the other operand may
 *     have other readers: the ResNet shortcut is read by the next block too);
 *   - one activation: relu, clip (relu6), leaky_relu or sigmoid.
 * Each link is absorbed only when its operand — the intermediate result — has no other reader
 * and is not a graph output; the chain stops at the first op that does not fit the order above,
 * so conv -> relu -> add keeps its add (the epilogue adds the residual before the activation).
 * When both operands of an add are fusable producers, the one earlier in topological order
 * absorbs the add and reads the other's result as its residual.
 * Expects: shapes inferred (fold-bn first, so BN's shift has become the conv's bias).
 * Leaves: the fused op named as the last op it absorbed; operands x, w, [bias], [residual];
 * outputs equal on the reference interpreter (bit-identical for residual and activation; a
 * fused bias is added in the accumulator, before rounding). Reports: "N ops fused, M conv/gemm
 * with an epilogue, K scale_shift with an activation".
 *   %c = conv2d(%x, %w, %b) {kernel=[1,1]}       →   %r = conv2d(%x, %w, %b, %skip)
 *   %s = add(%c, %skip)                                  {kernel=[1,1], activation=relu,
 *   %r = relu(%s)                                         residual=true}
 * A scale_shift (fold-bn's BN that no conv could absorb) takes the activation only:
 *   %n = scale_shift(%cat, %s, %t)              →   %r = scale_shift(%cat, %s, %t) {activation=relu}
 *   %r = relu(%n)
 * Not fused, since %c has a second reader:
 *   %c = conv2d(%x, %w); %r = relu(%c); %p = max_pool(%c)
 */
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

#include <optional>

namespace cnnc::passes {

namespace {

using ir::OpKind;

// What a chain rooted at one conv2d/gemm absorbs.
struct Chain {
    std::vector<ir::OpId> absorbed;      // in chain order; the last one names the result
    std::vector<ir::ValueId> bias_adds;  // constant operands summed into the bias
    std::optional<ir::ValueId> residual;
    std::string activation = "none";
    double clip_min = 0, clip_max = 6, alpha = 0.01;
};

// The operand of binary `op` other than `v` (`v` may appear twice: then it is `v`).
ir::ValueId other_operand(const ir::Op &op, ir::ValueId v) {
    return op.inputs[0] == v ? op.inputs[1] : op.inputs[0];
}

// Whether constant `c` added to the result of `root` is a per-output-channel bias.
bool is_channel_bias(const ir::Graph &g, const ir::Op &root, ir::ValueId c) {
    const ir::ConstantData *data = g.constant_data(c);
    if (!data || data->type().dtype != ir::DType::f32) return false;
    const ir::Dims &out = g.type(root.outputs[0]).dims;
    const ir::Dims &d = data->type().dims;
    if (d.size() > out.size()) return false;
    // Aligned right against the result; every axis but the channel one (axis 1: conv2d's C,
    // gemm's N) must be 1, except gemm's M, since a full [M, N] C is allowed.
    const size_t channel = 1, skip = out.size() - d.size();
    for (size_t i = 0; i < d.size(); ++i) {
        const size_t axis = i + skip;
        if (d[i] == 1) continue;
        if (d[i] != out[axis]) return false;
        if (axis != channel && !(root.kind == OpKind::gemm && axis == 0)) return false;
    }
    return true;
}

bool is_activation(const ir::Op &op) {
    return op.kind == OpKind::relu || op.kind == OpKind::clip || op.kind == OpKind::leaky_relu ||
           op.kind == OpKind::sigmoid;
}

Chain follow_chain(const ir::Graph &g, const ir::Op &root,
                   const std::vector<std::vector<ir::OpId>> &users, const std::vector<int> &readers,
                   const std::vector<bool> &claimed) {
    Chain chain;
    const ir::Epilogue start = ir::epilogue_of(root);
    if (start.activation != "none") return chain;
    bool has_residual = start.residual.has_value();
    // A new bias must be summed with an existing one at compile time.
    const bool bias_mergeable = !start.bias || g.constant_data(*start.bias);
    ir::ValueId current = root.outputs[0];
    const ir::TensorType &type = g.type(current);
    while (true) {
        const ir::OpId next = sole_reader(users, readers, current);
        if (next < 0 || claimed[static_cast<size_t>(next)]) break;
        const ir::Op &op = g.op(next);
        // A scale_shift takes an activation only: x * s + t + bias is not what it computes.
        if (op.kind == OpKind::add && root.kind != OpKind::scale_shift &&
            g.type(op.outputs[0]) == type) {
            const ir::ValueId other = other_operand(op, current);
            if (other == current) break; // x + x is not a bias or a residual
            if (bias_mergeable && !has_residual && is_channel_bias(g, root, other)) {
                chain.bias_adds.push_back(other);
            } else if (!has_residual && g.type(other) == type && !g.constant_data(other)) {
                chain.residual = other;
                has_residual = true;
            } else {
                break;
            }
        } else if (is_activation(op)) {
            if (op.kind == OpKind::relu) chain.activation = "relu";
            if (op.kind == OpKind::sigmoid) chain.activation = "sigmoid";
            if (op.kind == OpKind::clip) {
                chain.activation = "clip";
                chain.clip_min = op.attr<ir::ClipAttrs>().min;
                chain.clip_max = op.attr<ir::ClipAttrs>().max;
            }
            if (op.kind == OpKind::leaky_relu) {
                chain.activation = "leaky_relu";
                chain.alpha = op.attr<ir::LeakyReluAttrs>().alpha;
            }
            chain.absorbed.push_back(next);
            break;
        } else {
            break;
        }
        chain.absorbed.push_back(next);
        current = op.outputs[0];
    }
    return chain;
}

// Sums the existing constant bias (if any; gemm: times beta) and the absorbed constants into one
// bias of the conv's [C], or gemm's [N] / [M,N], shape.
ir::ValueId merged_bias(ir::GraphRebuilder &rebuild, const ir::Op &root, const Chain &chain,
                        double existing_scale, const std::string &name) {
    const ir::Graph &g = rebuild.source();
    const ir::Dims &out = g.type(root.outputs[0]).dims;
    const ir::Epilogue e = ir::epilogue_of(root);
    // Result dims: conv [C]; gemm [N], or [M,N] if any part varies along M.
    std::vector<ir::ValueId> parts = chain.bias_adds;
    if (e.bias) parts.insert(parts.begin(), *e.bias);
    bool per_row = false;
    if (root.kind == OpKind::gemm)
        for (ir::ValueId p : parts) {
            const ir::Dims &d = g.type(p).dims;
            per_row |= d.size() == 2 && d[0] != 1;
        }
    const int64_t rows = per_row ? out[0] : 1, cols = out[1];
    const ir::Dims dims = root.kind == OpKind::conv2d ? ir::Dims{cols}
                          : per_row                   ? ir::Dims{rows, cols}
                                                      : ir::Dims{cols};
    std::vector<double> sum(static_cast<size_t>(rows * cols), 0.0);
    for (size_t k = 0; k < parts.size(); ++k) {
        const ir::ConstantData &data = *g.constant_data(parts[k]);
        const ir::Dims &d = data.type().dims;
        const double scale = (e.bias && k == 0) ? existing_scale : 1.0;
        // Index of element (i, j) of the [rows, cols] sum in `data`, numpy-broadcast: the
        // channel is the last axis for gemm and axis 1 (of 4, aligned right) for conv2d.
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) {
                int64_t index = 0;
                if (root.kind == OpKind::conv2d && e.bias && k == 0) {
                    index = j; // the conv's own bias is [C]
                } else if (root.kind == OpKind::conv2d) {
                    // Dims are all 1 except possibly the channel axis (axis 1 of the result).
                    const size_t skip = out.size() - d.size();
                    const bool varies = skip <= 1 && d[1 - skip] != 1;
                    index = varies ? j : 0;
                } else {
                    const bool col_varies = !d.empty() && d.back() != 1;
                    const bool row_varies = d.size() == 2 && d[0] != 1;
                    index = (row_varies ? i * d.back() : 0) + (col_varies ? j : 0);
                }
                sum[static_cast<size_t>(i * cols + j)] +=
                    scale * data.values()[static_cast<size_t>(index)];
            }
    }
    std::vector<float> values(sum.begin(), sum.end());
    return add_values(rebuild, name + ".bias", dims, std::move(values), root.origin);
}

template <class A> void set_activation(A &a, const Chain &chain, double &alpha_field) {
    a.activation = chain.activation;
    if (chain.activation == "clip") a.clip_min = chain.clip_min, a.clip_max = chain.clip_max;
    if (chain.activation == "leaky_relu") alpha_field = chain.alpha;
}

void emit_fused(ir::GraphRebuilder &rebuild, const ir::Op &root, const Chain &chain) {
    const ir::Graph &g = rebuild.source();
    const ir::Op &last = g.op(chain.absorbed.back());
    const std::string &name = g.value(last.outputs[0]).name;
    const ir::Epilogue e = ir::epilogue_of(root);
    ir::Attrs attrs = root.attrs;
    double existing_scale = 1;
    bool residual = e.residual.has_value() || chain.residual.has_value();
    if (root.kind == OpKind::scale_shift) {
        auto &a = std::get<ir::ScaleShiftAttrs>(attrs);
        set_activation(a, chain, a.alpha);
        const ir::ValueId y = rebuild.target().add(root.kind, rebuild.map(root.inputs), attrs, name,
                                                   root.origin);
        rebuild.target().value(y).type = g.type(last.outputs[0]);
        rebuild.alias(last.outputs[0], y);
        return;
    }
    if (root.kind == OpKind::conv2d) {
        auto &a = std::get<ir::Conv2DAttrs>(attrs);
        set_activation(a, chain, a.alpha);
        a.residual = residual;
    } else {
        auto &a = std::get<ir::GemmAttrs>(attrs);
        set_activation(a, chain, a.leaky_alpha);
        a.residual = residual;
        existing_scale = a.beta;
        // The bias is rebuilt with beta applied, so beta becomes 1 (when a bias is rebuilt).
        if (!chain.bias_adds.empty()) a.beta = 1;
    }
    std::vector<ir::ValueId> operands{rebuild.map(root.inputs[0]), rebuild.map(root.inputs[1])};
    if (!chain.bias_adds.empty())
        operands.push_back(merged_bias(rebuild, root, chain, existing_scale, name));
    else if (e.bias)
        operands.push_back(rebuild.map(*e.bias));
    if (e.residual) operands.push_back(rebuild.map(*e.residual));
    if (chain.residual) operands.push_back(rebuild.map(*chain.residual));
    const ir::ValueId y = rebuild.target().add(root.kind, operands, attrs, name, root.origin);
    rebuild.target().value(y).type = g.type(last.outputs[0]);
    rebuild.alias(last.outputs[0], y);
}

} // namespace

ir::Graph fuse_epilogue(const ir::Graph &g) {
    const auto users = ir::value_users(g);
    const auto readers = reader_counts(g);
    const std::vector<ir::OpId> order = ir::topological_order(g);
    // Chains are found in topological order, so when two producers meet at one add the earlier
    // in the order claims it; an op claimed by one chain is never part of another.
    std::vector<bool> claimed(g.ops().size(), false);
    std::vector<ir::OpId> chain_root(g.ops().size(), -1); // last absorbed op -> its root
    std::vector<Chain> chains(g.ops().size());
    for (ir::OpId id : order) {
        const ir::Op &op = g.op(id);
        if (op.kind != OpKind::conv2d && op.kind != OpKind::gemm && op.kind != OpKind::scale_shift)
            continue;
        Chain chain = follow_chain(g, op, users, readers, claimed);
        // The residual operand must be computable before the fused op runs at the chain's end:
        // it is, since it is an operand of an op in the chain and the chain's intermediate
        // values have no other readers, so it cannot depend on them.
        if (chain.absorbed.empty()) continue;
        for (ir::OpId a : chain.absorbed) claimed[static_cast<size_t>(a)] = true;
        claimed[static_cast<size_t>(id)] = true;
        chain_root[static_cast<size_t>(chain.absorbed.back())] = id;
        chains[static_cast<size_t>(id)] = std::move(chain);
    }

    ir::GraphRebuilder rebuild(g);
    int fused_ops = 0, roots = 0, activated_scale_shifts = 0;
    for (ir::OpId id : order) {
        const ir::Op &op = g.op(id);
        const ir::OpId root = chain_root[static_cast<size_t>(id)];
        if (root >= 0) {
            const Chain &chain = chains[static_cast<size_t>(root)];
            emit_fused(rebuild, g.op(root), chain);
            fused_ops += static_cast<int>(chain.absorbed.size());
            ++(g.op(root).kind == OpKind::scale_shift ? activated_scale_shifts : roots);
        } else if (!claimed[static_cast<size_t>(id)]) {
            rebuild.copy(op);
        }
    }
    if (fused_ops) report("ops fused", fused_ops);
    if (roots) report("conv/gemm with an epilogue", roots);
    if (activated_scale_shifts) report("scale_shift with an activation", activated_scale_shifts);
    return rebuild.finish();
}

} // namespace cnnc::passes
