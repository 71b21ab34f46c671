// IR -> ONNX (opset 13). See OnnxExporter.h. The mapping is the importer's read backwards;
// the round trip (import(export(g)) computes what g computes) is what the tests check.
#include "frontend/onnx/OnnxExporter.h"

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Traversal.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <unistd.h>

namespace cnnc::frontend {

namespace {

constexpr int64_t export_opset = 13;

int32_t onnx_dtype(ir::DType d) {
    switch (d) {
    case ir::DType::f32: return onnx::TensorProto::FLOAT;
    case ir::DType::f16: return onnx::TensorProto::FLOAT16;
    case ir::DType::i8: return onnx::TensorProto::INT8;
    case ir::DType::i32: return onnx::TensorProto::INT32;
    case ir::DType::i64: return onnx::TensorProto::INT64;
    }
    return onnx::TensorProto::UNDEFINED;
}

void set_value_info(onnx::ValueInfoProto &info, const std::string &name,
                    const ir::TensorType &type) {
    info.set_name(name);
    onnx::TypeProto_Tensor *t = info.mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx_dtype(type.dtype));
    onnx::TensorShapeProto *shape = t->mutable_shape();
    for (int64_t d : type.dims)
        shape->add_dim()->set_dim_value(d);
}

class Exporter {
  public:
    explicit Exporter(const ir::Graph &g) : g_(g) {}

    onnx::ModelProto run() {
        onnx::ModelProto model;
        model.set_ir_version(onnx::IR_VERSION);
        model.set_producer_name("cnnc");
        model.set_producer_version("0.1");
        onnx::OperatorSetIdProto *opset = model.add_opset_import();
        opset->set_domain("");
        opset->set_version(export_opset);
        graph_ = model.mutable_graph();
        graph_->set_name(g_.name);
        for (ir::OpId id : ir::topological_order(g_))
            export_op(g_.op(id));
        for (ir::ValueId v : g_.outputs())
            set_value_info(*graph_->add_output(), g_.value(v).name, g_.type(v));
        return model;
    }

  private:
    const std::string &name(ir::ValueId v) const { return g_.value(v).name; }

    std::string fresh(const std::string &base) {
        std::string n = base;
        for (int i = 1; g_.find_value(n) || used_.count(n); ++i)
            n = fmt::format("{}.{}", base, i);
        used_.insert(n);
        return n;
    }

    // An int64 or float initializer holding a folded attribute; returns its name.
    std::string ints(const std::string &base, const std::vector<int64_t> &values) {
        onnx::TensorProto *t = graph_->add_initializer();
        t->set_name(fresh(base));
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(static_cast<int64_t>(values.size()));
        for (int64_t v : values)
            t->add_int64_data(v);
        return t->name();
    }
    std::string floats(const std::string &base, const std::vector<double> &values, bool scalar) {
        onnx::TensorProto *t = graph_->add_initializer();
        t->set_name(fresh(base));
        t->set_data_type(onnx::TensorProto::FLOAT);
        if (!scalar)
            t->add_dims(static_cast<int64_t>(values.size()));
        for (double v : values)
            t->add_float_data(static_cast<float>(v));
        return t->name();
    }

    onnx::NodeProto &node(const ir::Op &op, const char *type,
                          std::vector<std::string> extra_inputs = {}) {
        onnx::NodeProto *n = graph_->add_node();
        n->set_op_type(type);
        n->set_name(fresh(name(op.outputs.at(0)) + ".node"));
        for (ir::ValueId v : op.inputs)
            n->add_input(name(v));
        for (const std::string &e : extra_inputs)
            n->add_input(e);
        for (ir::ValueId v : op.outputs)
            n->add_output(name(v));
        return *n;
    }

    static void attr(onnx::NodeProto &n, const char *key, int64_t v) {
        onnx::AttributeProto *a = n.add_attribute();
        a->set_name(key);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    static void attr(onnx::NodeProto &n, const char *key, double v) {
        onnx::AttributeProto *a = n.add_attribute();
        a->set_name(key);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(static_cast<float>(v));
    }
    static void attr(onnx::NodeProto &n, const char *key, const std::string &v) {
        onnx::AttributeProto *a = n.add_attribute();
        a->set_name(key);
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(v);
    }
    template <class Range> static void attr_ints(onnx::NodeProto &n, const char *key, const Range &r) {
        onnx::AttributeProto *a = n.add_attribute();
        a->set_name(key);
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : r)
            a->add_ints(v);
    }

    [[noreturn]] void unsupported(const ir::Op &op, const std::string &why) const {
        user_error("{}: cannot be written as ONNX: {}", ir::describe_op(g_, op), why);
    }

    void export_op(const ir::Op &op) {
        using K = ir::OpKind;
        const std::string out = op.outputs.empty() ? std::string() : name(op.outputs[0]);
        // ONNX's Conv and Gemm have no fused output stage beyond a bias: refuse rather than drop it.
        if (op.kind == K::conv2d || op.kind == K::gemm) {
            const ir::Epilogue e = ir::epilogue_of(op);
            if (e.residual || e.activation != "none")
                unsupported(op, fmt::format("its fused epilogue ({}{}) has no ONNX form; export the graph "
                                            "before fuse-epilogue (e.g. -O0)",
                                            e.residual ? "residual add" : "", e.activation == "none" ? ""
                                            : (e.residual ? ", " : "") + e.activation));
        }
        switch (op.kind) {
        case K::input:
            set_value_info(*graph_->add_input(), out, g_.type(op.outputs[0]));
            break;
        case K::constant: {
            const ir::ConstantData &data = *op.attr<ir::ConstantAttrs>().data;
            onnx::TensorProto *t = graph_->add_initializer();
            t->set_name(out);
            t->set_data_type(onnx_dtype(data.type().dtype));
            for (int64_t d : data.type().dims)
                t->add_dims(d);
            const std::vector<float> &values = data.values();
            if (data.type().dtype == ir::DType::f32) {
                t->set_raw_data(std::string(reinterpret_cast<const char *>(values.data()),
                                            values.size() * sizeof(float)));
            } else if (data.type().dtype == ir::DType::i64) {
                for (float v : values)
                    t->add_int64_data(static_cast<int64_t>(v));
            } else if (data.type().dtype == ir::DType::i32 || data.type().dtype == ir::DType::i8) {
                for (float v : values)
                    t->add_int32_data(static_cast<int32_t>(v));
            } else {
                unsupported(op, "f16 constants are not exported");
            }
            break;
        }
        case K::conv2d: {
            const auto &a = op.attr<ir::Conv2DAttrs>();
            onnx::NodeProto &n = node(op, "Conv");
            attr_ints(n, "kernel_shape", a.kernel);
            attr_ints(n, "strides", a.stride);
            attr_ints(n, "pads", a.pad);
            attr_ints(n, "dilations", a.dilation);
            attr(n, "group", a.groups);
            break;
        }
        case K::conv_transpose: {
            const auto &a = op.attr<ir::ConvTransposeAttrs>();
            onnx::NodeProto &n = node(op, "ConvTranspose");
            attr_ints(n, "kernel_shape", a.kernel);
            attr_ints(n, "strides", a.stride);
            attr_ints(n, "pads", a.pad);
            attr_ints(n, "dilations", a.dilation);
            attr_ints(n, "output_padding", a.output_padding);
            attr(n, "group", a.groups);
            break;
        }
        case K::batch_norm:
            attr(node(op, "BatchNormalization"), "epsilon", op.attr<ir::BatchNormAttrs>().epsilon);
            break;
        case K::relu: node(op, "Relu"); break;
        case K::sigmoid: node(op, "Sigmoid"); break;
        case K::neg: node(op, "Neg"); break;
        case K::add: node(op, "Add"); break;
        case K::sub: node(op, "Sub"); break;
        case K::mul: node(op, "Mul"); break;
        case K::div: node(op, "Div"); break;
        case K::identity: node(op, "Identity"); break;
        case K::global_avg_pool: node(op, "GlobalAveragePool"); break;
        case K::global_max_pool: node(op, "GlobalMaxPool"); break;
        case K::clip: {
            const auto &a = op.attr<ir::ClipAttrs>();
            node(op, "Clip", {floats(out + ".min", {a.min}, true), floats(out + ".max", {a.max}, true)});
            break;
        }
        case K::leaky_relu:
            attr(node(op, "LeakyRelu"), "alpha", op.attr<ir::LeakyReluAttrs>().alpha);
            break;
        case K::max_pool:
        case K::avg_pool: {
            const auto &a = op.attr<ir::PoolAttrs>();
            const bool is_max = op.kind == K::max_pool;
            if (!is_max && (a.dilation[0] != 1 || a.dilation[1] != 1))
                unsupported(op, "a dilated average pool has no ONNX form before opset 19");
            onnx::NodeProto &n = node(op, is_max ? "MaxPool" : "AveragePool");
            attr_ints(n, "kernel_shape", a.kernel);
            attr_ints(n, "strides", a.stride);
            attr_ints(n, "pads", a.pad);
            if (is_max)
                attr_ints(n, "dilations", a.dilation);
            attr(n, "ceil_mode", int64_t{a.ceil_mode});
            if (!is_max)
                attr(n, "count_include_pad", int64_t{a.count_include_pad});
            break;
        }
        case K::concat: attr(node(op, "Concat"), "axis", op.attr<ir::ConcatAttrs>().axis); break;
        case K::split: {
            const auto &a = op.attr<ir::SplitAttrs>();
            attr(node(op, "Split", {ints(out + ".split", a.sizes)}), "axis", a.axis);
            break;
        }
        case K::slice: {
            const auto &a = op.attr<ir::SliceAttrs>();
            node(op, "Slice", {ints(out + ".starts", a.starts), ints(out + ".ends", a.ends),
                               ints(out + ".axes", a.axes), ints(out + ".steps", a.steps)});
            break;
        }
        case K::gemm: {
            const auto &a = op.attr<ir::GemmAttrs>();
            onnx::NodeProto &n = node(op, "Gemm");
            attr(n, "transA", int64_t{a.trans_a});
            attr(n, "transB", int64_t{a.trans_b});
            attr(n, "alpha", a.alpha);
            attr(n, "beta", a.beta);
            break;
        }
        case K::flatten: attr(node(op, "Flatten"), "axis", op.attr<ir::FlattenAttrs>().axis); break;
        case K::reshape:
            node(op, "Reshape", {ints(out + ".shape", op.attr<ir::ReshapeAttrs>().shape)});
            break;
        case K::transpose:
            attr_ints(node(op, "Transpose"), "perm", op.attr<ir::TransposeAttrs>().perm);
            break;
        case K::softmax: attr(node(op, "Softmax"), "axis", op.attr<ir::SoftmaxAttrs>().axis); break;
        case K::lrn: {
            const auto &a = op.attr<ir::LrnAttrs>();
            onnx::NodeProto &n = node(op, "LRN");
            attr(n, "size", a.size);
            attr(n, "alpha", a.alpha);
            attr(n, "beta", a.beta);
            attr(n, "bias", a.bias);
            break;
        }
        case K::pad: {
            const auto &a = op.attr<ir::PadAttrs>();
            attr(node(op, "Pad", {ints(out + ".pads", a.pads), floats(out + ".value", {a.value}, true)}),
                 "mode", std::string("constant"));
            break;
        }
        case K::dropout:
            node(op, "Dropout", {floats(out + ".ratio", {op.attr<ir::DropoutAttrs>().ratio}, true)});
            break;
        case K::resize: export_resize(op); break;
        case K::scale_shift:
            unsupported(op, "scale_shift has no ONNX op; export the graph before fold-bn (e.g. -O0)");
        case K::channel_shuffle:
            unsupported(op, "channel_shuffle has no ONNX op; export the graph before fuse-channel-shuffle (e.g. -O0)");
        }
    }

    void export_resize(const ir::Op &op) {
        const auto &a = op.attr<ir::ResizeAttrs>();
        const std::string out = name(op.outputs[0]);
        const ir::Dims &in = g_.type(op.inputs.at(0)).dims;
        const std::string roi; // only tf_crop_and_resize reads it
        onnx::NodeProto *n;
        if (!a.scale.empty()) {
            for (int i = 0; i < 2; ++i)
                if (static_cast<int64_t>(std::floor(static_cast<double>(in[2 + i]) * a.scale[i])) !=
                    a.size[i])
                    unsupported(op, "its size is not floor(input size * scale)");
            n = &node(op, "Resize", {roi, floats(out + ".scales", {1, 1, a.scale[0], a.scale[1]}, false)});
        } else {
            n = &node(op, "Resize", {roi, "", ints(out + ".sizes", {in[0], in[1], a.size[0], a.size[1]})});
        }
        attr(*n, "mode", a.mode);
        attr(*n, "coordinate_transformation_mode", a.coord);
        attr(*n, "nearest_mode", a.nearest);
    }

    const ir::Graph &g_;
    onnx::GraphProto *graph_ = nullptr;
    std::set<std::string> used_;
};

} // namespace

onnx::ModelProto export_onnx_model(const ir::Graph &g) {
    onnx::ModelProto model = Exporter(g).run();
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception &e) {
        throw InternalError(fmt::format("the exported ONNX model fails onnx::checker: {}", e.what()));
    }
    return model;
}

std::string export_onnx_bytes(const ir::Graph &g) {
    std::string bytes;
    if (!export_onnx_model(g).SerializeToString(&bytes))
        user_error("the graph is too large for one ONNX protobuf (2 GiB)");
    return bytes;
}

void export_onnx_file(const ir::Graph &g, const std::string &path) {
    const std::string bytes = export_onnx_bytes(g);
    const std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(::getpid()));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            user_error("{}: cannot write", path);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) {
            std::remove(tmp.c_str());
            user_error("{}: writing failed", path);
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        user_error("{}: cannot move the written file into place: {}", path, ec.message());
    }
}

} // namespace cnnc::frontend
