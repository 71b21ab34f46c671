/** fuse-channel-shuffle: replaces ShuffleNet's channel shuffle, exported as three ops,
 *   %v = reshape(%x) {shape=[N,g,C/g,H,W]}
 *   %t = transpose(%v) {perm=[0,2,1,3,4]}
 *   %y = reshape(%t) {shape=[N,C,H,W]}
 * by one channel_shuffle {groups=g}: result channel j*g + i is input channel i*(C/g) + j. In
 * code generation the three ops were three copy kernels (the 5-D values are not in the 4-D
 * channels-innermost layout, so each reshape converted layouts); the fused op is one gather over
 * channels that stays in that layout. ShuffleNet v2 ran 16 shuffles, 48 copies: about a third of
 * its run time.
 * Fuses only when %v and %t have no reader but the next op of the chain (graph outputs count as
 * readers) and the shapes are exactly these; anything else stays as it is.
 * Expects: shapes inferred. Leaves: values bit-identical (the same element moves). Reports:
 * "N fused".
 *   %v = reshape(%x) {shape=[1,2,58,28,28]}      →   %y = channel_shuffle(%x) {groups=2}
 *   %t = transpose(%v) {perm=[0,2,1,3,4]}
 *   %y = reshape(%t) {shape=[1,116,28,28]}
 */
#include "ir/ShapeInference.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

namespace cnnc::passes {

namespace {

using ir::OpKind;

// The shuffle's groups when `first` (a reshape) starts the chain above, ending at `*last`; 0 if
// it does not.
int64_t shuffle_groups(const ir::Graph &g, const ir::Op &first, const std::vector<std::vector<ir::OpId>> &users,
                       const std::vector<int> &readers, ir::OpId *last) {
    if (first.kind != OpKind::reshape) return 0;
    const ir::Dims &x = g.type(first.inputs[0]).dims, &v = g.type(first.outputs[0]).dims;
    if (x.size() != 4 || v.size() != 5 || v[0] != x[0] || v[1] * v[2] != x[1] || v[3] != x[2] || v[4] != x[3])
        return 0;
    const ir::OpId t_id = sole_reader(users, readers, first.outputs[0]);
    if (t_id < 0) return 0;
    const ir::Op &t = g.op(t_id);
    if (t.kind != OpKind::transpose || t.attr<ir::TransposeAttrs>().perm != ir::Dims{0, 2, 1, 3, 4}) return 0;
    const ir::OpId y_id = sole_reader(users, readers, t.outputs[0]);
    if (y_id < 0) return 0;
    const ir::Op &y = g.op(y_id);
    if (y.kind != OpKind::reshape || g.type(y.outputs[0]).dims != x) return 0;
    *last = y_id;
    return v[1];
}

} // namespace

ir::Graph fuse_channel_shuffle(const ir::Graph &g) {
    const std::vector<std::vector<ir::OpId>> users = ir::value_users(g);
    const std::vector<int> readers = reader_counts(g);
    // The first reshape of each chain, by the chain's last op: the fused op takes the last op's
    // place in the walk (its operand, the first reshape's, is mapped by then).
    std::vector<ir::OpId> chain_start(g.ops().size(), -1);
    std::vector<bool> dropped(g.ops().size(), false);
    std::vector<int64_t> groups_of(g.ops().size(), 0);
    for (ir::OpId id = 0; id < static_cast<ir::OpId>(g.ops().size()); ++id) {
        ir::OpId last = -1;
        const int64_t groups = shuffle_groups(g, g.op(id), users, readers, &last);
        if (groups == 0) continue;
        chain_start[static_cast<size_t>(last)] = id;
        groups_of[static_cast<size_t>(last)] = groups;
        dropped[static_cast<size_t>(id)] = true;
        dropped[static_cast<size_t>(users[static_cast<size_t>(g.op(id).outputs[0])][0])] = true;
    }
    ir::GraphRebuilder rebuild(g);
    int fused = 0;
    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        const ir::OpId start = chain_start[static_cast<size_t>(id)];
        if (start >= 0) {
            const ir::ValueId y = rebuild.target().add(OpKind::channel_shuffle, {rebuild.map(g.op(start).inputs[0])},
                                                       ir::ChannelShuffleAttrs{groups_of[static_cast<size_t>(id)]},
                                                       g.value(op.outputs[0]).name, op.origin);
            rebuild.target().value(y).type = g.type(op.outputs[0]);
            rebuild.alias(op.outputs[0], y);
            ++fused;
        } else if (!dropped[static_cast<size_t>(id)]) {
            rebuild.copy(op);
        }
    }
    if (fused) report("fused", fused);
    return rebuild.finish();
}

} // namespace cnnc::passes
