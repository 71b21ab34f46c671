/** merge-sibling-convs: convolutions that read the same tensor with the same geometry become one
 * wider convolution followed by a `split` along channels, so the input is read once instead of
 * once per sibling (Inception's 1x1 branches and reduce layers).
 * Siblings: conv2d ops with the same input, kernel, stride, pad, dilation and algorithm,
 * groups == 1, constant weights (and constant bias, if any), the same activation (with the same
 * clip bounds / slope) and no residual.
 * Cost rule: merge a group of at least two siblings, each with at most 256 output channels. The
 * gain is the input traffic saved, (siblings - 1) x |input|; what it costs is a wider weight
 * matrix per output pixel, which stops paying once one conv's output channels alone fill a
 * register-blocked kernel (256 channels = 16 AVX-512 vectors), and the split, which is free once
 * plan-memory places the halves as views. A sibling wider than 256 is left alone; the rest of its
 * group may still merge. Siblings without a bias get zero bias when merged with ones that have one.
 * Expects: shapes inferred; runs after fuse-epilogue (epilogues must match to merge).
 * Leaves: each merged group as `conv2d` (result named after the first sibling + ".merged") and
 * a `split` whose results carry the siblings' names and types; values bit-identical.
 * Reports: "N convs merged, M merged convs".
 *   %a = conv2d(%x, %wa) {kernel=[1,1]} : f32[1,64,28,28]      →   %a.merged = conv2d(%x,
 *   %b = conv2d(%x, %wb) {kernel=[1,1]} : f32[1,96,28,28]             %a.merged.w) {kernel=[1,1]}
 *                                                                %a, %b = split(%a.merged)
 *                                                                          {sizes=[64,96]}
 */
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

#include <map>
#include <tuple>

namespace cnnc::passes {

namespace {

using ir::OpKind;

constexpr int64_t kMaxMergedChannels = 256;

bool mergeable(const ir::Graph &g, const ir::Op &op) {
    if (op.kind != OpKind::conv2d) return false;
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue e = ir::epilogue_of(op);
    return a.groups == 1 && !e.residual && g.constant_data(op.inputs[1]) &&
           (!e.bias || g.constant_data(*e.bias)) &&
           g.type(op.outputs[0]).dims[1] <= kMaxMergedChannels;
}

// Everything that must be equal for two convs to be siblings, as a comparable key.
using Key = std::tuple<ir::ValueId, ir::Hw, ir::Hw, ir::Pads, ir::Hw, std::string, std::string,
                       double, double, double>;
Key key_of(const ir::Op &op) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const bool clip = a.activation == "clip", leaky = a.activation == "leaky_relu";
    return {op.inputs[0], a.kernel,  a.stride, a.pad, a.dilation, a.algorithm, a.activation,
            clip ? a.clip_min : 0, clip ? a.clip_max : 0, leaky ? a.alpha : 0};
}

void emit_merged(ir::GraphRebuilder &rebuild, const std::vector<ir::OpId> &group) {
    const ir::Graph &g = rebuild.source();
    const ir::Op &first = g.op(group[0]);
    const std::string base = g.value(first.outputs[0]).name + ".merged";
    std::vector<float> weights, bias;
    std::vector<int64_t> sizes;
    bool any_bias = false;
    for (ir::OpId id : group) any_bias |= ir::epilogue_of(g.op(id)).bias.has_value();
    for (ir::OpId id : group) {
        const ir::Op &op = g.op(id);
        const auto &w = g.constant_data(op.inputs[1])->values();
        weights.insert(weights.end(), w.begin(), w.end()); // OIHW: output channels outermost
        const int64_t channels = g.type(op.outputs[0]).dims[1];
        sizes.push_back(channels);
        const ir::Epilogue e = ir::epilogue_of(op);
        if (e.bias) {
            const auto &b = g.constant_data(*e.bias)->values();
            bias.insert(bias.end(), b.begin(), b.end());
        } else {
            bias.insert(bias.end(), static_cast<size_t>(channels), 0.0f);
        }
    }
    int64_t total = 0;
    for (int64_t s : sizes) total += s;
    ir::Dims wd = g.type(first.inputs[1]).dims;
    wd[0] = total;
    std::vector<ir::ValueId> operands{rebuild.map(first.inputs[0]),
                                      add_values(rebuild, base + ".w", wd, std::move(weights),
                                                 first.origin)};
    if (any_bias)
        operands.push_back(add_values(rebuild, base + ".b", {total}, std::move(bias), first.origin));
    ir::Graph &t = rebuild.target();
    const ir::ValueId merged =
        t.add(OpKind::conv2d, operands, first.attrs, fresh_name(rebuild, base), first.origin);
    ir::TensorType type = g.type(first.outputs[0]);
    type.dims[1] = total;
    t.value(merged).type = type;
    std::vector<std::string> names;
    for (ir::OpId id : group) names.push_back(g.value(g.op(id).outputs[0]).name);
    const std::vector<ir::ValueId> parts =
        t.add_op(OpKind::split, {merged}, ir::SplitAttrs{1, sizes}, names, first.origin);
    for (size_t i = 0; i < group.size(); ++i) {
        const ir::ValueId old = g.op(group[i]).outputs[0];
        t.value(parts[i]).type = g.type(old);
        rebuild.alias(old, parts[i]);
    }
}

} // namespace

ir::Graph merge_sibling_convs(const ir::Graph &g) {
    const std::vector<ir::OpId> order = ir::topological_order(g);
    std::map<Key, std::vector<ir::OpId>> groups;
    for (ir::OpId id : order)
        if (mergeable(g, g.op(id))) groups[key_of(g.op(id))].push_back(id);
    // The merged conv is emitted where the first sibling was: it reads only the shared input
    // and new constants, which are available there.
    std::vector<int> group_of(g.ops().size(), -1);
    std::vector<bool> leader(g.ops().size(), false);
    std::vector<std::vector<ir::OpId>> merged;
    for (auto &[key, members] : groups) {
        if (members.size() < 2) continue;
        for (ir::OpId id : members) group_of[static_cast<size_t>(id)] = static_cast<int>(merged.size());
        leader[static_cast<size_t>(members[0])] = true;
        merged.push_back(members);
    }
    ir::GraphRebuilder rebuild(g);
    for (ir::OpId id : order) {
        const int group = group_of[static_cast<size_t>(id)];
        if (group < 0)
            rebuild.copy(g.op(id));
        else if (leader[static_cast<size_t>(id)])
            emit_merged(rebuild, merged[static_cast<size_t>(group)]);
    }
    for (const auto &members : merged) report("convs merged", static_cast<int64_t>(members.size()));
    if (!merged.empty()) report("merged convs", static_cast<int64_t>(merged.size()));
    return rebuild.finish();
}

} // namespace cnnc::passes
