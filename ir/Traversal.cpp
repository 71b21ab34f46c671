#include "ir/Traversal.h"

#include "ir/Error.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>


namespace cnnc::ir {

namespace {

using OpGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

OpGraph op_graph(const Graph &g) {
    OpGraph graph(g.ops().size());
    for (size_t consumer = 0; consumer < g.ops().size(); ++consumer)
        for (ValueId operand : g.ops()[consumer].inputs) {
            const OpId producer = g.value(operand).producer;
            if (producer >= 0) boost::add_edge(static_cast<size_t>(producer), consumer, graph);
        }
    return graph;
}

[[noreturn]] void report_cycle(const Graph &g, const OpGraph &graph) {
    std::vector<int> component(boost::num_vertices(graph));
    boost::strong_components(graph, component.data());
    // A cycle is a strongly connected component of more than one op, or an op reading itself.
    std::vector<int> size(component.size(), 0);
    for (int c : component) ++size[static_cast<size_t>(c)];
    std::vector<std::string> members;
    for (size_t op = 0; op < component.size(); ++op) {
        const bool self_loop = boost::edge(op, op, graph).second;
        if (size[static_cast<size_t>(component[op])] > 1 || self_loop) {
            const Op &o = g.ops()[op];
            members.push_back(fmt::format("%{}{}", g.value(o.outputs.at(0)).name,
                                          o.origin.empty() ? "" : " (" + o.origin + ")"));
            if (self_loop) break;
        }
    }
    user_error("graph '{}' has a cycle through {}", g.name, fmt::join(members, ", "));
}

} // namespace

std::vector<OpId> topological_order(const Graph &g) {
    // Builders, frontends and passes create ops producers-first; keeping that order when it is
    // valid makes every pass that changes nothing print exactly the text it was given.
    bool creation_order_valid = true;
    for (size_t id = 0; id < g.ops().size() && creation_order_valid; ++id)
        for (ValueId operand : g.ops()[id].inputs)
            creation_order_valid &= g.value(operand).producer < static_cast<OpId>(id);
    std::vector<OpId> order;
    if (creation_order_valid) {
        for (size_t id = 0; id < g.ops().size(); ++id) order.push_back(static_cast<OpId>(id));
        return order;
    }
    const OpGraph graph = op_graph(g);
    std::vector<size_t> reversed;
    try {
        boost::topological_sort(graph, std::back_inserter(reversed));
    } catch (const boost::not_a_dag &) {
        report_cycle(g, graph);
    }
    order.assign(reversed.rbegin(), reversed.rend());
    // Graph inputs first, in creation order: they are the model's interface, and rebuilding
    // passes must not permute it. (They have no operands, so this keeps the order valid.)
    const auto inputs_end = std::stable_partition(
        order.begin(), order.end(), [&](OpId id) { return g.op(id).kind == OpKind::input; });
    std::sort(order.begin(), inputs_end);
    return order;
}

std::vector<std::vector<OpId>> value_users(const Graph &g) {
    std::vector<std::vector<OpId>> users(g.values().size());
    for (size_t op = 0; op < g.ops().size(); ++op)
        for (ValueId operand : g.ops()[op].inputs)
            users[static_cast<size_t>(operand)].push_back(static_cast<OpId>(op));
    return users;
}

std::vector<bool> live_ops(const Graph &g) {
    const OpGraph graph = op_graph(g);
    const auto reversed = boost::make_reverse_graph(graph);
    std::vector<bool> live(g.ops().size(), false);
    std::vector<boost::default_color_type> color(g.ops().size(), boost::white_color);
    for (ValueId out : g.outputs()) {
        const OpId producer = g.value(out).producer;
        if (producer < 0 || live[static_cast<size_t>(producer)]) continue;
        struct Marker : boost::default_bfs_visitor {
            std::vector<bool> *live;
            void discover_vertex(size_t v, const decltype(reversed) &) const { (*live)[v] = true; }
        } marker;
        marker.live = &live;
        boost::breadth_first_visit(reversed, static_cast<size_t>(producer),
                                   boost::visitor(marker).color_map(color.data()));
    }
    return live;
}

} // namespace cnnc::ir
