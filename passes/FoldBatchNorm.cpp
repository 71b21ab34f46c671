/** fold-bn: folds inference-mode batch_norm into the conv2d or gemm that produces its operand.
 * With s = scale / sqrt(var + eps) and t = bias - mean * s per channel, BN(conv(x, w) + b) equals
 * conv(x, w * s) + (b * s + t): output channel o of the weights is scaled by s[o] (the weight's
 * axis 0 for conv2d, whatever its groups, so grouped and depthwise convs fold the same way), and
 * for gemm column j of op(B) by s[j], with C' = beta * C * s + t and beta' = 1.
 * Expects: shapes inferred. Folds when the BN's statistics, the producer's weights and its bias
 * (if any) are constants, the producer has no epilogue yet (no activation, no residual), and the
 * producer's result has no reader but the BN (not a graph output either) — otherwise the
 * unscaled result would still be needed.
 * A BN that cannot fold but has constant statistics becomes one scale_shift by [C] constants
 * (y = x * s + t per channel, one kernel; fuse-epilogue then moves a following activation into
 * it, so DenseNet's pre-activation BN + relu is one pass over memory).
 * Leaves: no foldable batch_norm; the folded op carries the BN's result name; weights computed
 * in double and rounded once, so outputs agree to about 1e-6 relative (tests use 1e-4).
 * Reports: "N folded", "N to scale-shift".
 *   %c = conv2d(%x, %w) {kernel=[3,3]}           →   %bn = conv2d(%x, %w.bn, %bn.folded_bias)
 *   %bn = batch_norm(%c, %g, %b, %m, %v)                  {kernel=[3,3]}
 *   %r = relu(%bn)                                   %r = relu(%bn)
 * and where the conv's result is read twice (not foldable):
 *   %bn = batch_norm(%c, %g, %b, %m, %v)         →   %bn = scale_shift(%c, %bn.factor,
 *                                                                      %bn.offset)
 */
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

#include <cmath>

namespace cnnc::passes {

namespace {

using ir::OpKind;

// The per-channel affine map a BN applies: y = x * scale + shift.
struct Affine {
    std::vector<double> scale, shift;
};

// The BN's affine map, if its statistics are all constants.
std::optional<Affine> affine_of(const ir::Graph &g, const ir::Op &bn) {
    const ir::ConstantData *p[4];
    for (size_t i = 0; i < 4; ++i)
        if (!(p[i] = g.constant_data(bn.inputs[i + 1]))) return std::nullopt;
    const auto &gamma = p[0]->values(), &beta = p[1]->values(), &mean = p[2]->values(),
               &var = p[3]->values();
    const double eps = bn.attr<ir::BatchNormAttrs>().epsilon;
    Affine a;
    for (size_t c = 0; c < gamma.size(); ++c) {
        const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
        a.scale.push_back(s);
        a.shift.push_back(beta[c] - mean[c] * s);
    }
    return a;
}

bool has_epilogue(const ir::Op &op) {
    const ir::Epilogue e = ir::epilogue_of(op);
    return e.residual.has_value() || e.activation != "none";
}

// Whether `producer`'s weights and bias are constants and it has no output stage yet.
bool foldable_producer(const ir::Graph &g, const ir::Op &producer) {
    if (producer.kind != OpKind::conv2d && producer.kind != OpKind::gemm) return false;
    if (has_epilogue(producer)) return false;
    if (!g.constant_data(producer.inputs[1])) return false;
    const ir::Epilogue e = ir::epilogue_of(producer);
    if (e.bias && !g.constant_data(*e.bias)) return false;
    // gemm's output channel is its column: a BN over [M, N] normalises axis 1, which it is.
    return producer.kind == OpKind::conv2d || g.type(producer.outputs[0]).rank() == 2;
}

// conv2d(x, w, b) followed by the affine map: scaled weights and a new bias.
void emit_folded_conv(ir::GraphRebuilder &rebuild, const ir::Op &conv, const ir::Op &bn,
                      const Affine &a) {
    const ir::Graph &g = rebuild.source();
    const std::string &name = g.value(bn.outputs[0]).name;
    const ir::ConstantData &w = *g.constant_data(conv.inputs[1]);
    const ir::Dims &wd = w.type().dims;
    const int64_t per_channel = w.type().num_elements() / wd[0];
    std::vector<float> weights(w.values().size());
    for (int64_t o = 0; o < wd[0]; ++o)
        for (int64_t i = 0; i < per_channel; ++i) {
            const size_t k = static_cast<size_t>(o * per_channel + i);
            weights[k] = static_cast<float>(w.values()[k] * a.scale[static_cast<size_t>(o)]);
        }
    const ir::Epilogue e = ir::epilogue_of(conv);
    std::vector<float> bias(static_cast<size_t>(wd[0]));
    for (size_t o = 0; o < bias.size(); ++o) {
        const double b = e.bias ? g.constant_data(*e.bias)->values()[o] : 0.0;
        bias[o] = static_cast<float>(b * a.scale[o] + a.shift[o]);
    }
    const ir::ValueId nw = add_values(rebuild, g.value(conv.inputs[1]).name + ".bn", wd,
                                      std::move(weights), bn.origin);
    const ir::ValueId nb = add_values(rebuild, name + ".folded_bias", {wd[0]}, std::move(bias), bn.origin);
    const ir::ValueId y = rebuild.target().add(OpKind::conv2d, {rebuild.map(conv.inputs[0]), nw, nb},
                                               conv.attrs, name, conv.origin);
    rebuild.target().value(y).type = g.type(bn.outputs[0]);
    rebuild.alias(bn.outputs[0], y);
}

// gemm(a, b, c) followed by the affine map over its columns.
void emit_folded_gemm(ir::GraphRebuilder &rebuild, const ir::Op &gemm, const ir::Op &bn,
                      const Affine &a) {
    const ir::Graph &g = rebuild.source();
    const std::string &name = g.value(bn.outputs[0]).name;
    auto attrs = gemm.attr<ir::GemmAttrs>();
    const ir::ConstantData &b = *g.constant_data(gemm.inputs[1]);
    const ir::Dims &bd = b.type().dims;
    std::vector<float> weights(b.values().size());
    for (int64_t r = 0; r < bd[0]; ++r)
        for (int64_t col = 0; col < bd[1]; ++col) {
            // op(B) is [K, N]; its column j is B's row j when trans_b.
            const int64_t j = attrs.trans_b ? r : col;
            const size_t k = static_cast<size_t>(r * bd[1] + col);
            weights[k] = static_cast<float>(b.values()[k] * a.scale[static_cast<size_t>(j)]);
        }
    const ir::Dims &out = g.type(gemm.outputs[0]).dims;
    const int64_t m = out[0], n = out[1];
    const ir::Epilogue e = ir::epilogue_of(gemm);
    // C' = beta * C * s + t, [N] unless C varies along M.
    ir::Dims cd{n};
    std::vector<int64_t> c_strides{0, 0};
    const ir::ConstantData *c = e.bias ? g.constant_data(*e.bias) : nullptr;
    if (c) {
        const ir::Dims &d = c->type().dims;
        if (d.size() == 2 && d[0] == m && m != 1) cd = {m, n};
        // Broadcast strides of C over [M, N] (numpy rules, aligned right).
        if (d.size() >= 1 && d.back() != 1) c_strides[1] = 1;
        if (d.size() == 2 && d[0] != 1) c_strides[0] = d[1];
    }
    const int64_t rows = cd.size() == 2 ? m : 1;
    std::vector<float> bias(static_cast<size_t>(rows * n));
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < n; ++j) {
            const double cv = c ? attrs.beta * c->values()[static_cast<size_t>(
                                                   i * c_strides[0] + j * c_strides[1])]
                                : 0.0;
            bias[static_cast<size_t>(i * n + j)] = static_cast<float>(
                cv * a.scale[static_cast<size_t>(j)] + a.shift[static_cast<size_t>(j)]);
        }
    attrs.beta = 1;
    const ir::ValueId nw = add_values(rebuild, g.value(gemm.inputs[1]).name + ".bn", bd,
                                      std::move(weights), bn.origin);
    const ir::ValueId nb = add_values(rebuild, name + ".folded_bias", cd, std::move(bias), bn.origin);
    const ir::ValueId y = rebuild.target().add(OpKind::gemm, {rebuild.map(gemm.inputs[0]), nw, nb},
                                               attrs, name, gemm.origin);
    rebuild.target().value(y).type = g.type(bn.outputs[0]);
    rebuild.alias(bn.outputs[0], y);
}

// scale_shift(x, scale, shift) with [C] constants: the BN no producer could absorb, as one op
// (and so one kernel) rather than a mul and an add, each a full pass over memory.
void emit_scale_shift(ir::GraphRebuilder &rebuild, const ir::Op &bn, const Affine &a) {
    const ir::Graph &g = rebuild.source();
    const std::string &name = g.value(bn.outputs[0]).name;
    const ir::TensorType &type = g.type(bn.outputs[0]);
    std::vector<float> scale, shift;
    for (double s : a.scale) scale.push_back(static_cast<float>(s));
    for (double t : a.shift) shift.push_back(static_cast<float>(t));
    const ir::Dims dims{type.dims[1]};
    const ir::ValueId sv = add_values(rebuild, name + ".factor", dims, std::move(scale), bn.origin);
    const ir::ValueId tv = add_values(rebuild, name + ".offset", dims, std::move(shift), bn.origin);
    ir::Graph &t = rebuild.target();
    const ir::ValueId y = t.add(OpKind::scale_shift, {rebuild.map(bn.inputs[0]), sv, tv},
                                ir::ScaleShiftAttrs{}, name, bn.origin);
    t.value(y).type = type;
    rebuild.alias(bn.outputs[0], y);
}

} // namespace

ir::Graph fold_batch_norm(const ir::Graph &g) {
    const auto users = ir::value_users(g);
    const auto readers = reader_counts(g);
    // The producers that will be rebuilt at their BN's position instead of their own.
    std::vector<bool> absorbed(g.ops().size(), false);
    std::vector<ir::OpId> folds_into(g.ops().size(), -1); // bn op -> producer op
    for (size_t id = 0; id < g.ops().size(); ++id) {
        const ir::Op &bn = g.ops()[id];
        if (bn.kind != OpKind::batch_norm || !affine_of(g, bn)) continue;
        const ir::OpId producer = g.value(bn.inputs[0]).producer;
        if (producer < 0 || !foldable_producer(g, g.op(producer))) continue;
        if (sole_reader(users, readers, bn.inputs[0]) != static_cast<ir::OpId>(id)) continue;
        absorbed[static_cast<size_t>(producer)] = true;
        folds_into[id] = producer;
    }

    ir::GraphRebuilder rebuild(g);
    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        if (absorbed[static_cast<size_t>(id)]) continue;
        if (op.kind != OpKind::batch_norm) {
            rebuild.copy(op);
            continue;
        }
        const std::optional<Affine> a = affine_of(g, op);
        if (!a) {
            rebuild.copy(op);
            continue;
        }
        const ir::OpId producer = folds_into[static_cast<size_t>(id)];
        if (producer < 0) {
            emit_scale_shift(rebuild, op, *a);
            report("to scale-shift");
        } else if (g.op(producer).kind == OpKind::conv2d) {
            emit_folded_conv(rebuild, g.op(producer), op, *a);
            report("folded");
        } else {
            emit_folded_gemm(rebuild, g.op(producer), op, *a);
            report("folded");
        }
    }
    return rebuild.finish();
}

} // namespace cnnc::passes
