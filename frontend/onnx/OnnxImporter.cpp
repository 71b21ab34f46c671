// The importer's driver: parse, find the opset, scan for unsupported content, then build the
// graph — initializers as known tensors (constants once an op reads them), graph inputs with
// their symbolic dims bound, nodes in order through the op table, graph outputs last.
#include "frontend/onnx/OnnxImporter.h"

#include "frontend/onnx/OpTable.h"

#include <fmt/ranges.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace cnnc::frontend {

namespace {

using onnximport::Context;
using onnximport::Known;

int64_t default_opset(const onnx::ModelProto &model, const std::string &filename) {
    for (const onnx::OperatorSetIdProto &o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx")
            return o.version();
    user_error("{}: the model imports no opset of the default ONNX domain", filename);
}

// Reads a tensor's external data (already checked to exist by the scan) into a copy.
onnx::TensorProto inline_external(const onnx::TensorProto &t, const std::string &filename) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL)
        return t;
    std::string location;
    int64_t offset = 0, length = -1;
    for (const onnx::StringStringEntryProto &e : t.external_data()) {
        try {
            if (e.key() == "location")
                location = e.value();
            else if (e.key() == "offset")
                offset = std::stoll(e.value());
            else if (e.key() == "length")
                length = std::stoll(e.value());
        } catch (const std::exception &) {
            user_error("{}: tensor \"{}\": external data {} \"{}\" is not a number", filename,
                       t.name(), e.key(), e.value());
        }
    }
    const std::filesystem::path path = std::filesystem::path(filename).parent_path() / location;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        user_error("{}: tensor \"{}\": cannot open external data file \"{}\"", filename, t.name(),
                   path.string());
    std::error_code ec;
    const int64_t file_size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
    if (length < 0)
        length = file_size - offset;
    if (offset < 0 || length < 0 || offset + length > file_size)
        user_error("{}: tensor \"{}\": external data range [{}, {}) is outside \"{}\" ({} bytes)",
                   filename, t.name(), offset, offset + length, path.string(), file_size);
    std::string bytes(static_cast<size_t>(length), '\0');
    in.seekg(offset);
    in.read(bytes.data(), length);
    onnx::TensorProto copy = t;
    copy.clear_external_data();
    copy.set_data_location(onnx::TensorProto::DEFAULT);
    copy.set_raw_data(std::move(bytes));
    return copy;
}

ir::DType ir_input_dtype(int32_t elem, const std::string &filename, const std::string &name) {
    if (elem == onnx::TensorProto::FLOAT)
        return ir::DType::f32;
    user_error("{}: graph input \"{}\" has element type {}; cnnc takes float inputs", filename,
               name, onnximport::onnx_dtype_name(elem));
}

// The dims of a graph input: static ones as declared, symbolic or unknown ones from
// --input-shape, else 1 with a warning.
ir::Dims input_dims(const onnx::ValueInfoProto &in, const std::string &filename,
                    const LoadOptions &options) {
    const std::string &name = in.name();
    auto bound = options.input_shapes.find(name);
    const onnx::TypeProto_Tensor &tt = in.type().tensor_type();
    if (!tt.has_shape()) {
        if (bound == options.input_shapes.end())
            user_error("{}: graph input \"{}\" has no declared shape; give it with "
                       "--input-shape {}=DIMS",
                       filename, name, name);
        return bound->second;
    }
    const auto &declared = tt.shape().dim();
    if (bound != options.input_shapes.end() &&
        bound->second.size() != static_cast<size_t>(declared.size()))
        user_error("{}: --input-shape gives input \"{}\" {} dims, but the model declares {}",
                   filename, name, bound->second.size(), declared.size());
    ir::Dims dims;
    for (int i = 0; i < declared.size(); ++i) {
        const onnx::TensorShapeProto_Dimension &d = declared.Get(i);
        if (d.has_dim_value()) {
            if (d.dim_value() < 0)
                user_error("{}: graph input \"{}\" declares a negative dim {}", filename, name,
                           d.dim_value());
            if (bound != options.input_shapes.end() && bound->second[i] != d.dim_value())
                user_error("{}: --input-shape gives input \"{}\" dim {} as {}, but the model "
                           "fixes it at {}",
                           filename, name, i, bound->second[i], d.dim_value());
            dims.push_back(d.dim_value());
        } else if (bound != options.input_shapes.end()) {
            dims.push_back(bound->second[i]);
        } else {
            const std::string what =
                d.has_dim_param() ? fmt::format("symbolic dim \"{}\"", d.dim_param())
                                  : std::string("dynamic dim");
            fmt::print(stderr,
                       "cnnc: warning: {}: graph input \"{}\": {} at position {} is bound to 1 "
                       "(set it with --input-shape {}=DIMS)\n",
                       filename, name, what, i, name);
            dims.push_back(1);
        }
    }
    return dims;
}

} // namespace

ir::Graph import_onnx_model(const onnx::ModelProto &model, const std::string &filename,
                            const LoadOptions &options) {
    if (!model.has_graph())
        user_error("{}: not an ONNX model: it has no graph", filename);
    const int64_t opset = default_opset(model, filename);
    onnximport::report_unsupported(model, filename, opset);

    const onnx::GraphProto &graph = model.graph();
    ir::Graph g;
    Context ctx(g, filename, options, opset);

    std::set<std::string> initializer_names;
    for (const onnx::TensorProto &t : graph.initializer()) {
        if (t.name().empty())
            user_error("{}: an initializer has no name", filename);
        Context::Slot slot;
        slot.known = std::make_shared<const Known>(onnximport::decode_tensor(
            inline_external(t, filename), fmt::format("{}: initializer \"{}\"", filename, t.name())));
        slot.producer = fmt::format("{}: initializer \"{}\"", filename, t.name());
        ctx.define_slot(t.name(), std::move(slot));
        initializer_names.insert(t.name());
    }

    std::set<std::string> input_names;
    for (const onnx::ValueInfoProto &in : graph.input()) {
        input_names.insert(in.name());
        if (initializer_names.count(in.name()))
            continue; // an input with a default value: a constant for a static compiler
        if (in.name().empty())
            user_error("{}: a graph input has no name", filename);
        if (!in.has_type() || !in.type().has_tensor_type())
            user_error("{}: graph input \"{}\" is not a tensor", filename, in.name());
        ir::TensorType type;
        type.dtype = ir_input_dtype(in.type().tensor_type().elem_type(), filename, in.name());
        type.dims = input_dims(in, filename, options);
        Context::Slot slot;
        slot.value = g.add_input(ctx.value_name(in.name()), type,
                                 fmt::format("{}: graph input \"{}\"", filename, in.name()));
        g.value(*slot.value).type = type;
        slot.producer = fmt::format("{}: graph input \"{}\"", filename, in.name());
        ctx.define_slot(in.name(), std::move(slot));
    }
    for (const auto &[name, dims] : options.input_shapes)
        if (!input_names.count(name) || initializer_names.count(name))
            user_error("{}: --input-shape names \"{}\", which is not a graph input of the model",
                       filename, name);

    const onnximport::OpTable &table = onnximport::op_table();
    for (int i = 0; i < graph.node_size(); ++i) {
        const onnx::NodeProto &node = graph.node(i);
        ctx.begin_node(node, i);
        for (int j = 0; j < node.input_size(); ++j)
            if (!node.input(j).empty() && !ctx.slots().count(node.input(j)))
                ctx.fail("input {} \"{}\" is not defined by any earlier node, initializer or "
                         "graph input",
                         j, node.input(j));
        for (int j = 0; j < node.output_size(); ++j)
            for (int k = 0; k < j; ++k)
                if (!node.output(j).empty() && node.output(j) == node.output(k))
                    ctx.fail("names output \"{}\" twice", node.output(j));
        table.at(node.op_type()).import(ctx);
    }

    if (graph.output_size() == 0)
        user_error("{}: the graph has no outputs", filename);
    std::vector<ir::ValueId> outputs;
    std::set<std::string> output_names;
    for (const onnx::ValueInfoProto &out : graph.output()) {
        if (!output_names.insert(out.name()).second)
            user_error("{}: graph output \"{}\" is listed twice", filename, out.name());
        const std::string who = fmt::format("{}: graph output \"{}\"", filename, out.name());
        ir::ValueId v = ctx.materialise(out.name(), who);
        const ir::TensorType &type = g.type(v);
        if (out.has_type() && out.type().has_tensor_type() &&
            out.type().tensor_type().has_shape()) {
            const auto &dims = out.type().tensor_type().shape().dim();
            bool agrees = dims.size() == type.rank();
            for (int d = 0; agrees && d < dims.size(); ++d)
                agrees = !dims.Get(d).has_dim_value() ||
                         dims.Get(d).dim_value() == type.dims[static_cast<size_t>(d)];
            if (!agrees) {
                std::vector<std::string> declared;
                for (const auto &d : dims)
                    declared.push_back(d.has_dim_value() ? std::to_string(d.dim_value())
                                                         : (d.has_dim_param() ? d.dim_param() : "?"));
                user_error("{} is declared [{}] but computes {}", who, fmt::join(declared, ","),
                           ir::to_string(type));
            }
        }
        outputs.push_back(v);
    }
    g.set_outputs(std::move(outputs));
    return g;
}

ir::Graph import_onnx_bytes(const std::string &bytes, const std::string &filename,
                            const LoadOptions &options) {
    if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
        user_error("{}: is over 2 GiB; ONNX keeps weights that large in external data files",
                   filename);
    onnx::ModelProto model;
    google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&raw);
    coded.SetTotalBytesLimit(std::numeric_limits<int>::max());
    if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
        user_error("{}: not a valid ONNX file (the protobuf does not parse; truncated or not "
                   "an ONNX model?)",
                   filename);
    if (model.ir_version() <= 0)
        user_error("{}: not an ONNX model (no ir_version)", filename);
    return import_onnx_model(model, filename, options);
}

ir::Graph import_onnx_file(const std::string &path, const LoadOptions &options) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        user_error("{}: cannot open the file", path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return import_onnx_bytes(buffer.str(), path, options);
}

} // namespace cnnc::frontend
