/** schedule-branches: finds fork/join regions (Inception modules, ResNet's projection-shortcut
 * blocks, ResNeXt paths), reorders the ops so the region's independent branches run one after
 * another in the order that keeps the fewest bytes alive, and marks each branch in the OpPlan.
 * The op order it leaves (the rebuilt graph's creation order) is the order the executor runs.
 * Regions, on the op graph (edge: producer -> reader; constants are left out, as they are no
 * activations) with a virtual entry before every op that reads no activation and a virtual exit
 * after every graph output and every op nobody reads:
 *   fork F     an op whose results are read by at least two ops;
 *   join J     F's immediate post-dominator (Lengauer-Tarjan on the reversed graph), if it is an
 *              op rather than the exit;
 *   interior   the ops F strictly dominates and J strictly post-dominates. Every operand of an
 *              interior op comes from F, from the interior or from a constant, so the interior can
 *              move as one block to where its first op was and still run after its producers;
 *   branches   the connected components of the interior (no path joins two of them, not even
 *              through ops outside it). A region needs at least two branches to be one.
 * Order: regions outermost (largest interior) first; a region's branches run one at a time,
 * sorted by (peak bytes the branch holds while it runs - bytes it leaves alive for the join),
 * largest first (the classic rule for running independent tasks in sequence with the least
 * peak). The new order is kept when the peak over the whole graph does not grow and the peak
 * while the region runs drops; at the end the result is compared with the input order and the
 * lower peak wins, so the pass never makes the peak worse.
 * Peak: the most bytes alive at one op, counting each non-constant value from the op that
 * defines it to its last reader (graph outputs: to the end). This is the liveness plan-memory
 * packs, without its concat views; so run plan-memory after this pass.
 * Marks (OpPlan::group, OpPlan::branch): regions are numbered 0, 1, ... by where they start in
 * the new order, branches by the order they run; an op in several nested regions carries the
 * innermost one's marks. Forks, joins and ops in no region keep group = branch = -1.
 * Expects: shapes inferred. Leaves: the same ops and values in a new creation order; plans'
 * offsets and layouts unchanged. Reports: "N regions, M branches, K regions reordered, peak live
 * X -> Y (any order: >= Z, at %op)". Z is a lower bound on the peak of every topological order
 * (what must be alive while %op runs: its operands and results, and each value made before it
 * in every order and read after it in every order), so Y == Z proves the order optimal. On the
 * zoo the whole-graph peak sits at a high-resolution op outside every region (GoogLeNet:
 * maxpool1; ResNet-50 and ResNeXt-50: layer1.0's first conv; DenseNet-121: the last layer of
 * denseblock1), where Y == Z already in creation order: no order can lower it, and a region
 * reordered for a lower peak of its own leaves the whole-graph figure unchanged.
 *   %x = input() : f32[1,8,8,8]                →   %x = input() : f32[1,8,8,8]
 *   %b1 = conv2d(%x, %wb) : f32[1,16,8,8]          %a1 = conv2d(%x, %wa) {kernel=[3,3], ...}
 *   %a1 = conv2d(%x, %wa) {kernel=[3,3], ...}               : f32[1,64,8,8] {group=0, branch=0}
 *            : f32[1,64,8,8]                       %a2 = conv2d(%a1, %wc) : f32[1,4,8,8]
 *   %a2 = conv2d(%a1, %wc) : f32[1,4,8,8]                   {group=0, branch=0}
 *   %y = concat(%a2, %b1) {axis=1}                 %b1 = conv2d(%x, %wb) : f32[1,16,8,8]
 *                                                           {group=0, branch=1}
 *                                                  %y = concat(%a2, %b1) {axis=1}
 * Peak live 22.5 KB -> 19.5 KB: the 16 KB %a1 is no longer alive beside %b1.
 */
#include "ir/Error.h"
#include "passes/PassStatistics.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/dominator_tree.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>

namespace cnnc::passes {

namespace {

using ir::OpKind;
using FlowGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using Vertex = FlowGraph::vertex_descriptor;
using Tree = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
using Undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

// Ops are vertices 0..n-1; n is the entry, n+1 the exit.
FlowGraph flow_graph(const ir::Graph &g) {
    const size_t n = g.ops().size();
    FlowGraph graph(n + 2);
    std::vector<bool> read(n, false), reads(n, false);
    for (size_t consumer = 0; consumer < n; ++consumer)
        for (ir::ValueId operand : g.ops()[consumer].inputs) {
            const ir::OpId producer = g.value(operand).producer;
            if (producer < 0 || g.op(producer).kind == OpKind::constant) continue;
            const auto p = static_cast<size_t>(producer);
            if (!boost::edge(p, consumer, graph).second) boost::add_edge(p, consumer, graph);
            read[p] = reads[consumer] = true;
        }
    std::vector<bool> output(n, false);
    for (ir::ValueId v : g.outputs())
        if (g.value(v).producer >= 0) output[static_cast<size_t>(g.value(v).producer)] = true;
    for (size_t v = 0; v < n; ++v) {
        if (!reads[v]) boost::add_edge(n, v, graph);
        if (!read[v] || output[v]) boost::add_edge(v, n + 1, graph);
    }
    return graph;
}

// A dominator tree as preorder intervals: a dominates b iff b's interval lies inside a's.
class DominatorTree {
  public:
    template <class G> DominatorTree(const G &graph, Vertex root) {
        const size_t n = boost::num_vertices(graph);
        idom_.assign(n, boost::graph_traits<G>::null_vertex());
        boost::lengauer_tarjan_dominator_tree(
            graph, root,
            boost::make_iterator_property_map(idom_.begin(), boost::get(boost::vertex_index, graph)));
        Tree tree(n);
        for (size_t v = 0; v < n; ++v)
            if (idom_[v] != boost::graph_traits<G>::null_vertex()) boost::add_edge(idom_[v], v, tree);
        enter_.assign(n, 0);
        leave_.assign(n, 0);
        struct Stamper : boost::default_dfs_visitor {
            std::vector<int> *enter, *leave;
            int *clock;
            void discover_vertex(Vertex v, const Tree &) const { (*enter)[v] = (*clock)++; }
            void finish_vertex(Vertex v, const Tree &) const { (*leave)[v] = (*clock)++; }
        } stamper;
        int clock = 0;
        stamper.enter = &enter_, stamper.leave = &leave_, stamper.clock = &clock;
        std::vector<boost::default_color_type> color(n, boost::white_color);
        boost::depth_first_visit(tree, root, stamper, color.data());
    }
    Vertex immediate(Vertex v) const { return idom_[v]; }
    bool dominates(Vertex a, Vertex b) const {
        return enter_[a] <= enter_[b] && leave_[b] <= leave_[a];
    }

  private:
    std::vector<Vertex> idom_;
    std::vector<int> enter_, leave_;
};

struct Region {
    ir::OpId fork = -1, join = -1;
    std::vector<std::vector<ir::OpId>> branches; // each in op-id order until scheduled
    size_t size() const {
        size_t n = 0;
        for (const auto &b : branches) n += b.size();
        return n;
    }
};

std::vector<Region> find_regions(const ir::Graph &g) {
    const size_t n = g.ops().size();
    const FlowGraph graph = flow_graph(g);
    const DominatorTree dom(graph, n);
    const DominatorTree post(boost::make_reverse_graph(graph), n + 1);
    std::vector<Region> regions;
    for (size_t f = 0; f < n; ++f) {
        if (g.ops()[f].kind == OpKind::constant) continue;
        size_t readers = 0;
        for (auto [e, end] = boost::out_edges(f, graph); e != end; ++e)
            readers += boost::target(*e, graph) < n;
        const Vertex j = post.immediate(f);
        if (readers < 2 || j >= n) continue;
        std::vector<ir::OpId> interior;
        std::vector<int> local(n, -1);
        for (size_t v = 0; v < n; ++v)
            if (v != f && v != j && g.ops()[v].kind != OpKind::constant && dom.dominates(f, v) &&
                post.dominates(j, v)) {
                local[v] = static_cast<int>(interior.size());
                interior.push_back(static_cast<ir::OpId>(v));
            }
        Undirected links(interior.size());
        for (ir::OpId v : interior)
            for (auto [e, end] = boost::out_edges(static_cast<size_t>(v), graph); e != end; ++e) {
                const size_t t = boost::target(*e, graph);
                if (t < n && local[t] >= 0)
                    boost::add_edge(static_cast<size_t>(local[static_cast<size_t>(v)]),
                                    static_cast<size_t>(local[t]), links);
            }
        std::vector<int> component(interior.size());
        const int count = interior.empty() ? 0 : boost::connected_components(links, component.data());
        if (count < 2) continue;
        Region region{static_cast<ir::OpId>(f), static_cast<ir::OpId>(j), {}};
        region.branches.resize(static_cast<size_t>(count));
        for (size_t i = 0; i < interior.size(); ++i)
            region.branches[static_cast<size_t>(component[i])].push_back(interior[i]);
        regions.push_back(std::move(region));
    }
    return regions;
}

// Bytes alive at each position of `order`, and what is needed to compute them.
class Liveness {
  public:
    explicit Liveness(const ir::Graph &g) : g_(g), users_(ir::value_users(g)) {
        output_.assign(g.values().size(), false);
        for (ir::ValueId v : g.outputs()) output_[static_cast<size_t>(v)] = true;
    }

    std::vector<int64_t> profile(const std::vector<ir::OpId> &order) const {
        std::vector<int64_t> position(g_.ops().size(), 0);
        for (size_t i = 0; i < order.size(); ++i) position[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
        std::vector<int64_t> delta(order.size() + 1, 0);
        for (size_t i = 0; i < order.size(); ++i) {
            const ir::Op &op = g_.op(order[i]);
            if (op.kind == OpKind::constant) continue;
            for (ir::ValueId v : op.outputs) {
                int64_t last = static_cast<int64_t>(i);
                if (output_[static_cast<size_t>(v)]) last = static_cast<int64_t>(order.size()) - 1;
                for (ir::OpId u : users_[static_cast<size_t>(v)])
                    last = std::max(last, position[static_cast<size_t>(u)]);
                delta[i] += g_.type(v).num_bytes();
                delta[static_cast<size_t>(last) + 1] -= g_.type(v).num_bytes();
            }
        }
        std::vector<int64_t> live(order.size(), 0);
        int64_t running = 0;
        for (size_t i = 0; i < order.size(); ++i) live[i] = running += delta[i];
        return live;
    }

    // (peak while the branch runs, bytes it leaves alive): what running it alone costs.
    std::pair<int64_t, int64_t> branch_cost(const std::vector<ir::OpId> &branch) const {
        std::vector<int64_t> at(g_.ops().size(), -1);
        for (size_t i = 0; i < branch.size(); ++i) at[static_cast<size_t>(branch[i])] = static_cast<int64_t>(i);
        std::vector<int64_t> delta(branch.size() + 1, 0);
        int64_t left = 0;
        for (size_t i = 0; i < branch.size(); ++i)
            for (ir::ValueId v : g_.op(branch[i]).outputs) {
                const int64_t bytes = g_.type(v).num_bytes();
                bool escapes = output_[static_cast<size_t>(v)];
                int64_t last = static_cast<int64_t>(i);
                for (ir::OpId u : users_[static_cast<size_t>(v)]) {
                    escapes |= at[static_cast<size_t>(u)] < 0;
                    last = std::max(last, at[static_cast<size_t>(u)]);
                }
                if (escapes) last = static_cast<int64_t>(branch.size()) - 1, left += bytes;
                delta[i] += bytes;
                delta[static_cast<size_t>(last) + 1] -= bytes;
            }
        int64_t running = 0, peak = 0;
        for (size_t i = 0; i < branch.size(); ++i) peak = std::max(peak, running += delta[i]);
        return {peak, left};
    }

  private:
    const ir::Graph &g_;
    std::vector<std::vector<ir::OpId>> users_;
    std::vector<bool> output_;
};

// The least peak any topological order can reach, as a certificate: while op X runs, its
// non-constant operands and results are alive, and so is every value that some op before X in
// every order (an ancestor) made and some op after X in every order (a descendant) reads, or
// that is a graph output. The largest such sum over X bounds every order's peak from below; an
// order that meets it is optimal, and no reordering of branches can lower it.
struct PeakBound {
    int64_t bytes = 0;
    ir::OpId op = -1; // where the bound is reached
};

PeakBound peak_lower_bound(const ir::Graph &g) {
    const size_t n = g.ops().size(), words = (n + 63) / 64;
    // ancestors[x]: bit p set when op p precedes op x in every topological order.
    std::vector<std::vector<uint64_t>> ancestors(n, std::vector<uint64_t>(words, 0));
    auto precedes = [&](size_t p, size_t x) { return (ancestors[x][p / 64] >> (p % 64)) & 1; };
    for (ir::OpId id : ir::topological_order(g)) {
        auto &mine = ancestors[static_cast<size_t>(id)];
        for (ir::ValueId v : g.op(id).inputs) {
            const ir::OpId p = g.value(v).producer;
            if (p < 0) continue;
            const auto &theirs = ancestors[static_cast<size_t>(p)];
            for (size_t w = 0; w < words; ++w) mine[w] |= theirs[w];
            mine[static_cast<size_t>(p) / 64] |= uint64_t{1} << (static_cast<size_t>(p) % 64);
        }
    }
    const auto users = ir::value_users(g);
    std::vector<bool> output(g.values().size(), false);
    for (ir::ValueId v : g.outputs()) output[static_cast<size_t>(v)] = true;
    PeakBound bound;
    for (size_t x = 0; x < n; ++x) {
        const ir::Op &op = g.ops()[x];
        if (op.kind == OpKind::constant) continue;
        int64_t bytes = 0;
        for (size_t v = 0; v < g.values().size(); ++v) {
            const ir::OpId p = g.values()[v].producer;
            if (p < 0 || g.op(p).kind == OpKind::constant) continue;
            const auto value = static_cast<ir::ValueId>(v);
            bool alive = static_cast<size_t>(p) == x ||
                         std::find(op.inputs.begin(), op.inputs.end(), value) != op.inputs.end();
            if (!alive && precedes(static_cast<size_t>(p), x)) {
                alive = output[v];
                for (ir::OpId r : users[v]) alive = alive || precedes(x, static_cast<size_t>(r));
            }
            if (alive) bytes += g.type(value).num_bytes();
        }
        if (bytes > bound.bytes) bound = {bytes, static_cast<ir::OpId>(x)};
    }
    return bound;
}

int64_t peak_of(const std::vector<int64_t> &live) {
    return live.empty() ? 0 : *std::max_element(live.begin(), live.end());
}

// The largest live figure at the positions `order` gives the ops of `region`.
int64_t region_peak(const std::vector<int64_t> &live, const std::vector<int64_t> &position,
                    const Region &region) {
    int64_t peak = 0;
    for (const auto &branch : region.branches)
        for (ir::OpId op : branch) peak = std::max(peak, live[static_cast<size_t>(position[static_cast<size_t>(op)])]);
    return peak;
}

std::vector<int64_t> positions(const std::vector<ir::OpId> &order, size_t ops) {
    std::vector<int64_t> position(ops, 0);
    for (size_t i = 0; i < order.size(); ++i) position[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
    return position;
}

// `order` with the region's interior moved to where its first op is, branch after branch in
// the order `region.branches` lists them, each branch's ops in their relative order in `order`.
std::vector<ir::OpId> with_region_contiguous(const std::vector<ir::OpId> &order,
                                             const Region &region, size_t ops) {
    std::vector<bool> inside(ops, false);
    for (const auto &branch : region.branches)
        for (ir::OpId op : branch) inside[static_cast<size_t>(op)] = true;
    std::vector<ir::OpId> result;
    bool emitted = false;
    for (ir::OpId op : order) {
        if (!inside[static_cast<size_t>(op)]) {
            result.push_back(op);
        } else if (!emitted) {
            for (const auto &branch : region.branches) result.insert(result.end(), branch.begin(), branch.end());
            emitted = true;
        }
    }
    return result;
}

std::string bytes_text(int64_t bytes) {
    if (bytes < 10'000) return fmt::format("{} B", bytes);
    if (bytes < 10'000'000) return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1e3);
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

} // namespace

ir::Graph schedule_branches(const ir::Graph &g) {
    const size_t n = g.ops().size();
    const std::vector<ir::OpId> input_order = ir::topological_order(g);
    std::vector<Region> regions = find_regions(g);
    // Outermost first: a nested region's reordering then happens inside its branch's block.
    std::stable_sort(regions.begin(), regions.end(),
                     [](const Region &a, const Region &b) { return a.size() > b.size(); });
    const Liveness liveness(g);
    std::vector<ir::OpId> order = input_order;
    std::vector<int64_t> live = liveness.profile(order);
    int64_t reordered = 0;
    for (Region &region : regions) {
        const std::vector<int64_t> position = positions(order, n);
        for (auto &branch : region.branches)
            std::sort(branch.begin(), branch.end(), [&](ir::OpId a, ir::OpId b) {
                return position[static_cast<size_t>(a)] < position[static_cast<size_t>(b)];
            });
        Region candidate = region;
        std::vector<int64_t> key;
        for (const auto &branch : candidate.branches) {
            const auto [peak, left] = liveness.branch_cost(branch);
            key.push_back(peak - left);
        }
        std::vector<size_t> rank(candidate.branches.size());
        std::iota(rank.begin(), rank.end(), 0);
        std::stable_sort(rank.begin(), rank.end(), [&](size_t a, size_t b) { return key[a] > key[b]; });
        for (size_t i = 0; i < rank.size(); ++i) candidate.branches[i] = region.branches[rank[i]];
        std::vector<ir::OpId> next = with_region_contiguous(order, candidate, n);
        const std::vector<int64_t> next_live = liveness.profile(next);
        const bool better =
            peak_of(next_live) < peak_of(live) ||
            (peak_of(next_live) == peak_of(live) &&
             region_peak(next_live, positions(next, n), candidate) < region_peak(live, position, region));
        if (better) order = std::move(next), live = next_live, ++reordered;
    }
    const int64_t before = peak_of(liveness.profile(input_order));
    if (peak_of(live) > before) order = input_order, live = liveness.profile(order), reordered = 0;

    // Marks, outermost regions first so the innermost region's marks stay on its ops.
    const std::vector<int64_t> position = positions(order, n);
    auto first_position = [&](const std::vector<ir::OpId> &ops) {
        int64_t first = INT64_MAX;
        for (ir::OpId op : ops) first = std::min(first, position[static_cast<size_t>(op)]);
        return first;
    };
    std::vector<size_t> numbering(regions.size());
    std::iota(numbering.begin(), numbering.end(), 0);
    std::vector<int64_t> start(regions.size());
    for (size_t r = 0; r < regions.size(); ++r) {
        auto &branches = regions[r].branches;
        std::sort(branches.begin(), branches.end(),
                  [&](const auto &a, const auto &b) { return first_position(a) < first_position(b); });
        start[r] = first_position(branches.front());
    }
    std::stable_sort(numbering.begin(), numbering.end(),
                     [&](size_t a, size_t b) { return start[a] < start[b]; });
    std::vector<int64_t> id_of(regions.size());
    for (size_t i = 0; i < numbering.size(); ++i) id_of[numbering[i]] = static_cast<int64_t>(i);
    std::vector<std::pair<int64_t, int64_t>> marks(n, {-1, -1});
    int64_t branches = 0;
    for (size_t r = 0; r < regions.size(); ++r) {
        for (size_t b = 0; b < regions[r].branches.size(); ++b)
            for (ir::OpId op : regions[r].branches[b])
                marks[static_cast<size_t>(op)] = {id_of[r], static_cast<int64_t>(b)};
        branches += static_cast<int64_t>(regions[r].branches.size());
    }

    // Constants were left where they were, so a moved op may now precede its weights: each
    // constant is emitted just before its first reader if it comes later than that.
    ir::GraphRebuilder rebuild(g);
    std::vector<bool> emitted(n, false);
    auto emit = [&](ir::OpId id) {
        if (emitted[static_cast<size_t>(id)]) return;
        emitted[static_cast<size_t>(id)] = true;
        ir::Op op = g.op(id);
        std::tie(op.plan.group, op.plan.branch) = marks[static_cast<size_t>(id)];
        rebuild.copy(op);
    };
    for (ir::OpId id : order) {
        for (ir::ValueId v : g.op(id).inputs)
            if (g.constant_data(v)) emit(g.value(v).producer);
        emit(id);
    }
    report("regions", static_cast<int64_t>(regions.size()));
    report("branches", branches);
    report("regions reordered", reordered);
    const PeakBound bound = peak_lower_bound(g);
    report_note(fmt::format("peak live {} -> {} (any order: >= {}, at %{})", bytes_text(before),
                            bytes_text(peak_of(live)), bytes_text(bound.bytes),
                            bound.op >= 0 ? g.value(g.op(bound.op).outputs[0]).name : "-"));
    return rebuild.finish();
}

} // namespace cnnc::passes
