// The up-front scan of a whole model: before any graph is built, everything cnnc cannot import
// is collected — opsets newer than 17, op types it does not know (each with the nodes that use
// it), attribute values it does not support, graph inputs that are not tensors, external data
// files that are missing — and reported in one error, one line each, so a user fixing a model
// sees the whole list at once instead of one problem per run.
#include "frontend/onnx/OpTable.h"

#include <filesystem>
#include <map>

namespace cnnc::frontend::onnximport {

namespace {

// Opsets 7-17 are what exporters emit today. Older models (opset 1-6) import too where their
// ops mean what they mean at opset 7; the legacy attributes that do not are reported below.
constexpr int64_t min_opset = 1, max_opset = 17;

// Attributes of opsets before 7 whose meaning the opset-7 importers do not implement.
void check_legacy(const onnx::NodeProto &node, int64_t opset, std::vector<std::string> &p) {
    if (opset >= 7)
        return;
    NodeAttrs attrs(node);
    const std::string &type = node.op_type();
    if ((type == "Add" || type == "Sub" || type == "Mul" || type == "Div") &&
        attrs.get_int("broadcast", 0) != 0 && attrs.find("axis"))
        p.push_back("legacy broadcasting along an axis (opset < 7) is not supported");
    if (type == "BatchNormalization" && attrs.find("is_test") && attrs.get_int("is_test", 0) == 0)
        p.push_back("is_test=0 (training) is not supported");
    if (type == "Pad" && attrs.find("paddings"))
        p.push_back("the opset-1 'paddings' attribute is not supported");
    if (type == "Upsample" || type == "Cast")
        p.push_back(fmt::format("{} before opset 7 is not supported", type));
}

std::string node_label(const onnx::NodeProto &node, int index) {
    return node.name().empty() ? fmt::format("#{}", index) : fmt::format("\"{}\"", node.name());
}

// Checks that each external-data tensor's file exists next to the model.
void check_external(const onnx::TensorProto &t, const std::filesystem::path &dir,
                    const std::string &filename, std::vector<std::string> &lines) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL)
        return;
    std::string location;
    for (const onnx::StringStringEntryProto &e : t.external_data())
        if (e.key() == "location")
            location = e.value();
    if (location.empty()) {
        lines.push_back(fmt::format("{}: tensor \"{}\" has external data without a location",
                                    filename, t.name()));
        return;
    }
    const std::filesystem::path p = dir / location;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
        lines.push_back(fmt::format("{}: tensor \"{}\": external data file \"{}\" is missing",
                                    filename, t.name(), p.string()));
}

} // namespace

void report_unsupported(const onnx::ModelProto &model, const std::string &filename,
                        int64_t opset) {
    std::vector<std::string> lines;
    if (opset > max_opset)
        lines.push_back(fmt::format("{}: opset {} is newer than cnnc supports (opsets {}-{})",
                                    filename, opset, min_opset, max_opset));
    else if (opset < min_opset)
        lines.push_back(fmt::format("{}: opset {} is older than cnnc supports (opsets {}-{})",
                                    filename, opset, min_opset, max_opset));

    const onnx::GraphProto &graph = model.graph();
    const std::filesystem::path dir = std::filesystem::path(filename).parent_path();
    for (const onnx::TensorProto &t : graph.initializer())
        check_external(t, dir, filename, lines);
    if (graph.sparse_initializer_size() > 0)
        lines.push_back(fmt::format("{}: sparse initializers are not supported", filename));
    for (const onnx::ValueInfoProto &in : graph.input())
        if (in.has_type() && !in.type().has_tensor_type())
            lines.push_back(fmt::format("{}: graph input \"{}\" is not a tensor", filename,
                                        in.name()));

    const OpTable &table = op_table();
    // Unknown op types, each with every node that uses it, in order of first use.
    std::vector<std::string> unknown_order;
    std::map<std::string, std::vector<std::string>> unknown;
    std::vector<std::string> attr_lines;
    for (int i = 0; i < graph.node_size(); ++i) {
        const onnx::NodeProto &node = graph.node(i);
        const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
        const std::string type =
            default_domain ? node.op_type() : node.domain() + "." + node.op_type();
        auto it = default_domain ? table.find(node.op_type()) : table.end();
        if (it == table.end()) {
            if (!unknown.count(type))
                unknown_order.push_back(type);
            unknown[type].push_back(node_label(node, i));
            continue;
        }
        for (const onnx::AttributeProto &a : node.attribute())
            if (a.has_t())
                check_external(a.t(), dir, filename, lines);
        std::vector<std::string> problems;
        if (it->second.check)
            it->second.check(node, opset, problems);
        check_legacy(node, opset, problems);
        for (const std::string &problem : problems)
            attr_lines.push_back(fmt::format("{}: node {} ({}): {}", filename,
                                             node_label(node, i), node.op_type(), problem));
    }
    for (const std::string &type : unknown_order) {
        const std::vector<std::string> &nodes = unknown[type];
        constexpr size_t shown = 8;
        std::string names;
        for (size_t j = 0; j < nodes.size() && j < shown; ++j)
            names += (j ? ", " : "") + nodes[j];
        if (nodes.size() > shown)
            names += fmt::format(" and {} more", nodes.size() - shown);
        lines.push_back(fmt::format("{}: unsupported op type {} used by {} {}: {}", filename,
                                    type, nodes.size(), nodes.size() == 1 ? "node" : "nodes",
                                    names));
    }
    lines.insert(lines.end(), attr_lines.begin(), attr_lines.end());
    if (lines.empty())
        return;
    std::string message = fmt::format("{}: cannot import this model ({} {}):", filename,
                                      lines.size(), lines.size() == 1 ? "problem" : "problems");
    for (const std::string &line : lines)
        message += "\n  " + line;
    throw CompileError(message);
}

} // namespace cnnc::frontend::onnximport
