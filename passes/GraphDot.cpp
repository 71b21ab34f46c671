#include "passes/GraphDot.h"

#include "ir/Epilogue.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>

namespace cnnc::passes {

namespace {

using ir::OpKind;

// A DOT double-quoted string: quotes and backslashes escaped; "\n" (two characters) is DOT's
// line break, so callers join lines with it after escaping each.
std::string escaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

std::string op_lines(const ir::Graph &g, const ir::Op &op) {
    std::vector<std::string> results, types, lines;
    for (ir::ValueId v : op.outputs) {
        results.push_back("%" + g.value(v).name);
        types.push_back(g.value(v).type ? ir::to_string(*g.value(v).type) : "?");
    }
    lines.push_back(fmt::format("{} = {}", fmt::join(results, ", "), ir::op_name(op.kind)));
    if (op.kind == OpKind::conv2d) {
        const auto &a = op.attr<ir::Conv2DAttrs>();
        std::string geometry = fmt::format("kernel {}x{}", a.kernel[0], a.kernel[1]);
        if (a.stride != ir::Hw{1, 1}) geometry += fmt::format(", stride {}", a.stride[0]);
        if (a.groups != 1) geometry += fmt::format(", groups {}", a.groups);
        if (!a.algorithm.empty()) geometry += ", " + a.algorithm;
        lines.push_back(geometry);
    }
    if (op.kind == OpKind::conv2d || op.kind == OpKind::gemm) {
        const ir::Epilogue e = ir::epilogue_of(op);
        if (!e.empty()) {
            std::string stage;
            if (e.bias) stage += "+bias ";
            if (e.residual) stage += "+residual ";
            if (e.activation != "none") stage += "-> " + e.activation;
            while (!stage.empty() && stage.back() == ' ') stage.pop_back();
            lines.push_back(stage);
        }
    }
    std::string type_line = fmt::format("{}", fmt::join(types, ", "));
    if (!op.plan.layout.empty()) type_line += " " + op.plan.layout;
    lines.push_back(type_line);
    if (op.plan.in_place) {
        lines.push_back("in place");
    } else if (!op.plan.offset.empty()) {
        std::vector<std::string> at;
        for (int64_t o : op.plan.offset) at.push_back(o < 0 ? "-" : fmt::format("@{}", o));
        lines.push_back(fmt::format("{}", fmt::join(at, ", ")));
    }
    std::vector<std::string> out;
    for (const auto &line : lines) out.push_back(escaped(line));
    return fmt::format("{}", fmt::join(out, "\\n"));
}

using Mark = std::pair<int64_t, int64_t>; // (group, branch)

class DotWriter {
  public:
    explicit DotWriter(const ir::Graph &g) : g_(g) {
        for (size_t id = 0; id < g.ops().size(); ++id) {
            const ir::Op &op = g.ops()[id];
            if (op.kind == OpKind::constant || op.plan.group < 0) continue;
            members_[{op.plan.group, op.plan.branch}].push_back(id);
        }
        // A region's parent is the branch its fork lies in: the fork is the producer of a
        // member's operand that is not a member of the region.
        for (const auto &[mark, ops] : members_)
            for (size_t id : ops)
                for (ir::ValueId v : g.ops()[id].inputs) {
                    const ir::OpId p = g.value(v).producer;
                    if (p < 0) continue;
                    const ir::OpPlan &plan = g.op(p).plan;
                    if (plan.group >= 0 && plan.group != mark.first)
                        parent_.emplace(mark.first, Mark{plan.group, plan.branch});
                }
        // Hand-written marks may nest regions in a circle; draw such regions at the top level.
        std::vector<int64_t> circular;
        for (const auto &[group, up] : parent_) {
            int64_t at = up.first;
            for (size_t steps = 0; steps <= parent_.size() && parent_.count(at); ++steps) {
                if (at == group) circular.push_back(group);
                if (at == group) break;
                at = parent_.at(at).first;
            }
        }
        for (int64_t group : circular) parent_.erase(group);
    }

    std::string run() {
        std::string out = fmt::format("digraph \"{}\" {{\n", escaped(g_.name));
        out += "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n";
        out += "  edge [color=\"#555555\"];\n";
        std::set<int64_t> groups;
        for (const auto &[mark, ops] : members_) groups.insert(mark.first);
        for (int64_t group : groups)
            if (!parent_.count(group)) out += cluster(group, "  ");
        for (size_t id = 0; id < g_.ops().size(); ++id) {
            const ir::Op &op = g_.ops()[id];
            if (op.kind == OpKind::constant || op.plan.group >= 0) continue;
            out += "  " + node(id) + "\n";
        }
        for (size_t id = 0; id < g_.ops().size(); ++id) {
            std::set<ir::OpId> producers;
            for (ir::ValueId v : g_.ops()[id].inputs) {
                const ir::OpId p = g_.value(v).producer;
                if (p >= 0 && g_.op(p).kind != OpKind::constant) producers.insert(p);
            }
            for (ir::OpId p : producers) out += fmt::format("  op{} -> op{};\n", p, id);
        }
        std::vector<std::string> outputs;
        for (ir::ValueId v : g_.outputs()) outputs.push_back("%" + g_.value(v).name);
        out += fmt::format("  label=\"return {}\";\n}}\n", escaped(fmt::format("{}", fmt::join(outputs, ", "))));
        return out;
    }

  private:
    std::string node(size_t id) const {
        const ir::Op &op = g_.ops()[id];
        const bool io = op.kind == OpKind::input;
        return fmt::format("op{} [label=\"{}\"{}];", id, op_lines(g_, op), io ? ", shape=ellipse" : "");
    }

    std::string cluster(int64_t group, const std::string &indent) const {
        std::string out = fmt::format("{}subgraph cluster_g{} {{\n{}  label=\"region {}\"; style=dashed;\n",
                                      indent, group, indent, group);
        for (const auto &[mark, ops] : members_) {
            if (mark.first != group) continue;
            out += fmt::format("{}  subgraph cluster_g{}_b{} {{\n{}    label=\"branch {}\"; style=dotted;\n",
                               indent, group, mark.second, indent, mark.second);
            for (size_t id : ops) out += indent + "    " + node(id) + "\n";
            for (const auto &[child, where] : parent_)
                if (where == mark) out += cluster(child, indent + "    ");
            out += indent + "  }\n";
        }
        return out + indent + "}\n";
    }

    const ir::Graph &g_;
    std::map<Mark, std::vector<size_t>> members_;
    std::map<int64_t, Mark> parent_;
};

} // namespace

std::string graph_to_dot(const ir::Graph &g) { return DotWriter(g).run(); }

} // namespace cnnc::passes
