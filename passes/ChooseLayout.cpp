/** choose-layout: records in every op's OpPlan::layout how its results lie in memory inside the
 * compiled library, so the dump shows it and code generation reads it instead of assuming it.
 * The rule (the code generator's policy, codegen/TensorLayout.h, made explicit):
 *   nhwc   every 4-D value an op computes, graph inputs included: channels innermost, so
 *          kernels vectorise across channels (../shared/DESIGN.md);
 *   c      every other value: C order of its logical shape. Constants are `c` at any rank: the
 *          IR holds their values in C order and code generation re-packs them at compile time
 *          into whatever its kernel reads (conv weights, or the standard layout);
 *   NCHW   only at the library boundary, converted implicitly: the runtime turns each 4-D graph
 *          input from NCHW into nhwc before the first kernel and each 4-D graph output back into
 *          NCHW after the last. No op in the IR stands for those two conversions.
 * So the only conversions inside the graph are where a 4-D nhwc tensor is flattened, whose
 * logical (NCHW) element order differs from its physical one. That is resolved at compile time:
 * when a flatten of [N,C,H,W] (flatten axis=1, or reshape to [N,C*H*W]) with C > 1 and H*W > 1
 * is read only by gemms as their A operand (trans_a=false) with a constant B, the pass inserts
 *   %x.nhwc = transpose(%x) {perm=[0,2,3,1]} : f32[N,H,W,C] {layout=c}
 * and flattens that instead, and gives each gemm a copy of B whose K axis (rows; columns with
 * trans_b) is permuted into the same (h, w, c) order: new index (h*W + w)*C + c holds old index
 * (c*H + h)*W + w. The reference interpreter, which ignores layouts, computes the same sums in
 * another order. A `c`-layout [N,H,W,C] holds exactly the bytes of the nhwc [N,C,H,W] it reads,
 * so the transpose can move no bytes and the flatten can read its input in physical order.
 * Not yet so in code generation (checked with `cnnc test-kernels` on conv -> pool -> flatten ->
 * gemm): codegen/KernelSignature.cpp gives every 4-D value the nhwc layout whatever its
 * OpPlan::layout says, so the transpose runs as a real transpose kernel and the flatten as a
 * copy kernel. Results are right (both read by logical coordinates); two small copies too many.
 * Making it free needs the `c` layout honoured for 4-D values there and the transpose planned in
 * place (plan-memory), so the executor skips it.
 * The same transpose of an nhwc value read only by flattens/reshapes is `c` wherever it comes
 * from, so a second run leaves the graph as it is.
 * Not rewritten (the flatten then reads in logical order): H*W == 1 or C == 1 (the two orders
 * coincide, e.g. ResNet's flatten after the global pool), a flattened value read by anything
 * but such a gemm, or a graph output.
 * Expects: shapes inferred; runs late (ops created after it have no layout). Leaves: every op
 * with a layout; outputs equal to float rounding. Reports: "N conversions inserted, M gemm
 * weights permuted, K flattens in logical order" and the number of values per layout.
 *   %p = max_pool(%c) : f32[1,2,2,2]               →   %p = max_pool(%c) : f32[1,2,2,2] {layout=nhwc}
 *   %f = flatten(%p) : f32[1,8]                        %p.nhwc = transpose(%p) {perm=[0,2,3,1]}
 *   %y = gemm(%f, %w) {trans_b=true} : f32[1,3]                  : f32[1,2,2,2] {layout=c}
 *                                                      %f = flatten(%p.nhwc) : f32[1,8] {layout=c}
 *                                                      %y = gemm(%f, %w.nhwc) {trans_b=true}
 *                                                                : f32[1,3] {layout=c}
 */
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

#include <map>

namespace cnnc::passes {

namespace {

using ir::OpKind;

bool reshapes_only(const ir::Graph &g, ir::ValueId v,
                   const std::vector<std::vector<ir::OpId>> &users) {
    for (ir::OpId id : users[static_cast<size_t>(v)])
        if (g.op(id).kind != OpKind::flatten && g.op(id).kind != OpKind::reshape) return false;
    return !users[static_cast<size_t>(v)].empty();
}

const char *layout_of(const ir::Graph &g, const ir::Op &op,
                      const std::vector<std::vector<ir::OpId>> &users) {
    if (op.kind == OpKind::constant || g.type(op.outputs[0]).rank() != 4) return "c";
    // A previous run's conversion (or the same pattern written by hand) stays the free relabelling
    // it is, so running the pass twice changes nothing.
    if (op.kind == OpKind::transpose && op.attr<ir::TransposeAttrs>().perm == ir::Dims{0, 2, 3, 1} &&
        std::string(layout_of(g, g.op(g.value(op.inputs[0]).producer), users)) == "nhwc" &&
        reshapes_only(g, op.outputs[0], users))
        return "c";
    return "nhwc";
}

// A flatten/reshape of a 4-D value into [N, C*H*W], whose element order depends on the layout.
bool flattens_nchw(const ir::Graph &g, const ir::Op &op,
                   const std::vector<std::vector<ir::OpId>> &users) {
    if (op.kind != OpKind::flatten && op.kind != OpKind::reshape) return false;
    const ir::Dims &x = g.type(op.inputs[0]).dims;
    if (x.size() != 4) return false;
    if (std::string(layout_of(g, g.op(g.value(op.inputs[0]).producer), users)) != "nhwc")
        return false;
    if (x[1] == 1 || x[2] * x[3] == 1) return false; // both orders coincide
    if (op.kind == OpKind::flatten) {
        const int64_t axis = op.attr<ir::FlattenAttrs>().axis;
        return axis == 1 || axis == -3;
    }
    return op.attr<ir::ReshapeAttrs>().shape == ir::Dims{x[0], x[1] * x[2] * x[3]};
}

// Whether every reader of `v` is a gemm with `v` as its A operand only and a constant B.
bool read_by_constant_gemms(const ir::Graph &g, ir::ValueId v,
                            const std::vector<std::vector<ir::OpId>> &users,
                            const std::vector<bool> &is_output) {
    if (is_output[static_cast<size_t>(v)] || users[static_cast<size_t>(v)].empty()) return false;
    for (ir::OpId id : users[static_cast<size_t>(v)]) {
        const ir::Op &op = g.op(id);
        if (op.kind != OpKind::gemm || op.attr<ir::GemmAttrs>().trans_a) return false;
        if (!g.constant_data(op.inputs[1])) return false;
        for (size_t i = 0; i < op.inputs.size(); ++i)
            if ((op.inputs[i] == v) != (i == 0)) return false;
    }
    return true;
}

// B with its K axis put in (h, w, c) order: K = C*H*W of the flattened [N,C,H,W].
std::vector<float> permuted_weights(const ir::ConstantData &b, bool trans_b, const ir::Dims &x) {
    const int64_t c = x[1], h = x[2], w = x[3], k = c * h * w;
    const ir::Dims &d = b.type().dims;
    const int64_t other = trans_b ? d[0] : d[1];
    internal_assert((trans_b ? d[1] : d[0]) == k, "gemm B of {} does not match K = {}",
                    ir::dims_to_string(d), k);
    const std::vector<float> &in = b.values();
    std::vector<float> out(in.size());
    for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t hi = 0; hi < h; ++hi)
            for (int64_t wi = 0; wi < w; ++wi) {
                const int64_t from = (ci * h + hi) * w + wi, to = (hi * w + wi) * c + ci;
                for (int64_t j = 0; j < other; ++j) {
                    const int64_t src = trans_b ? j * k + from : from * other + j;
                    const int64_t dst = trans_b ? j * k + to : to * other + j;
                    out[static_cast<size_t>(dst)] = in[static_cast<size_t>(src)];
                }
            }
    return out;
}

} // namespace

ir::Graph choose_layout(const ir::Graph &g) {
    const auto users = ir::value_users(g);
    std::vector<bool> is_output(g.values().size(), false);
    for (ir::ValueId v : g.outputs()) is_output[static_cast<size_t>(v)] = true;
    // Old flatten result -> dims of the 4-D tensor it flattens, for the gemms reading it.
    std::map<ir::ValueId, ir::Dims> rewritten;
    std::map<ir::ValueId, ir::ValueId> permuted; // old B -> its permuted copy
    ir::GraphRebuilder rebuild(g);
    ir::Graph &t = rebuild.target();
    int64_t conversions = 0, logical = 0, nhwc = 0, c_order = 0;
    auto count = [&](const std::string &layout) { (layout == "nhwc" ? nhwc : c_order) += 1; };
    for (ir::OpId id : ir::topological_order(g)) {
        ir::Op op = g.op(id);
        op.plan.layout = layout_of(g, op, users);
        if (flattens_nchw(g, op, users) && !read_by_constant_gemms(g, op.outputs[0], users, is_output)) {
            ++logical;
        } else if (flattens_nchw(g, op, users)) {
            const ir::ValueId x = op.inputs[0];
            const ir::Dims &d = g.type(x).dims;
            const ir::ValueId to_nhwc =
                t.add(OpKind::transpose, {rebuild.map(x)}, ir::TransposeAttrs{{0, 2, 3, 1}},
                      fresh_name(rebuild, g.value(x).name + ".nhwc"), op.origin);
            t.value(to_nhwc).type = ir::TensorType{g.type(x).dtype, {d[0], d[2], d[3], d[1]}};
            t.ops().back().plan.layout = "c";
            count("c");
            const ir::ValueId flat = t.add(op.kind, {to_nhwc}, op.attrs,
                                           g.value(op.outputs[0]).name, op.origin);
            t.value(flat).type = g.type(op.outputs[0]);
            t.ops().back().plan = op.plan;
            count(op.plan.layout);
            rebuild.alias(op.outputs[0], flat);
            rewritten[op.outputs[0]] = d;
            ++conversions;
            continue;
        }
        if (op.kind == OpKind::gemm && rewritten.count(op.inputs[0])) {
            const ir::ValueId b = op.inputs[1];
            auto [it, fresh] = permuted.try_emplace(b, -1);
            if (fresh)
                it->second = add_values(rebuild, g.value(b).name + ".nhwc", g.type(b).dims,
                                        permuted_weights(*g.constant_data(b),
                                                         op.attr<ir::GemmAttrs>().trans_b,
                                                         rewritten.at(op.inputs[0])),
                                        g.op(g.value(b).producer).origin);
            if (fresh) t.ops().back().plan.layout = "c", count("c");
            std::vector<ir::ValueId> operands = rebuild.map(op.inputs);
            operands[1] = it->second;
            const ir::ValueId y =
                t.add(op.kind, operands, op.attrs, g.value(op.outputs[0]).name, op.origin);
            t.value(y).type = g.type(op.outputs[0]);
            t.ops().back().plan = op.plan;
            count(op.plan.layout);
            rebuild.alias(op.outputs[0], y);
            continue;
        }
        count(op.plan.layout);
        rebuild.copy(op);
    }
    report("conversions inserted", conversions);
    report("gemm weights permuted", static_cast<int64_t>(permuted.size()));
    report("flattens in logical order", logical);
    report("ops nhwc", nhwc);
    report("ops c", c_order);
    return rebuild.finish();
}

} // namespace cnnc::passes
