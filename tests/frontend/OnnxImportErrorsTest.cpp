// Bad ONNX input: each malformed or unsupported model must fail with a CompileError carrying
// the message fragment a user needs (what, where), never a crash. The models are built with
// ONNX's protobuf API; a valid one-Conv model is the starting point that each case breaks.
#include "frontend/onnx/OnnxImporter.h"
#include "ir/Error.h"

#include <doctest/doctest.h>
#include <onnx/onnx_pb.h>

#include <random>
#include <string>

using namespace cnnc;

namespace {

void add_input(onnx::GraphProto &g, const std::string &name, std::vector<int64_t> dims) {
    onnx::ValueInfoProto *v = g.add_input();
    v->set_name(name);
    auto *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
        t->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_initializer(onnx::GraphProto &g, const std::string &name, std::vector<int64_t> dims,
                     size_t count) {
    onnx::TensorProto *t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims)
        t->add_dims(d);
    for (size_t i = 0; i < count; ++i)
        t->add_float_data(0.5f);
}

onnx::NodeProto &add_node(onnx::GraphProto &g, const std::string &type, const std::string &name,
                          std::vector<std::string> inputs, std::vector<std::string> outputs) {
    onnx::NodeProto *n = g.add_node();
    n->set_op_type(type);
    n->set_name(name);
    for (auto &i : inputs)
        n->add_input(i);
    for (auto &o : outputs)
        n->add_output(o);
    return *n;
}

// x f32[1,3,8,8] -> Conv "conv_1" (w f32[4,3,3,3]) -> Relu "relu_1" -> y
onnx::ModelProto conv_model() {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(13);
    onnx::GraphProto &g = *m.mutable_graph();
    add_input(g, "x", {1, 3, 8, 8});
    add_initializer(g, "w", {4, 3, 3, 3}, 4 * 3 * 3 * 3);
    add_node(g, "Conv", "conv_1", {"x", "w"}, {"c"});
    add_node(g, "Relu", "relu_1", {"c"}, {"y"});
    g.add_output()->set_name("y");
    return m;
}

std::string error_of(const std::string &bytes) {
    try {
        frontend::import_onnx_bytes(bytes, "bad.onnx");
    } catch (const CompileError &e) {
        return e.what();
    }
    return "(no error)";
}

std::string error_of(const onnx::ModelProto &m) {
    std::string bytes;
    REQUIRE(m.SerializeToString(&bytes));
    return error_of(bytes);
}

} // namespace

TEST_CASE("onnx: the valid starting model imports") {
    std::string bytes;
    REQUIRE(conv_model().SerializeToString(&bytes));
    ir::Graph g = frontend::import_onnx_bytes(bytes, "good.onnx");
    CHECK(g.outputs().size() == 1);
    CHECK(ir::to_string(g.type(g.outputs()[0])) == "f32[1,4,6,6]");
}

TEST_CASE("onnx: truncated file") {
    std::string bytes;
    REQUIRE(conv_model().SerializeToString(&bytes));
    // Cut inside the graph: the protobuf no longer parses, or what is left is incomplete.
    const std::string message = error_of(bytes.substr(0, bytes.size() * 2 / 3));
    CHECK(message.find("bad.onnx") == 0);
    CHECK(message != "(no error)");
}

TEST_CASE("onnx: random bytes") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 50; ++trial) {
        std::string bytes(64 + trial * 13, '\0');
        for (char &c : bytes)
            c = static_cast<char>(rng());
        const std::string message = error_of(bytes);
        CHECK(message.rfind("bad.onnx: ", 0) == 0);
    }
    CHECK(error_of(std::string("\x08\x07garbage")).find("not") != std::string::npos);
}

TEST_CASE("onnx: empty graph") {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(13);
    m.mutable_graph()->set_name("empty");
    CHECK(error_of(m) == "bad.onnx: the graph has no outputs");
}

TEST_CASE("onnx: dangling input name") {
    onnx::ModelProto m = conv_model();
    m.mutable_graph()->mutable_node(1)->set_input(0, "nowhere");
    CHECK(error_of(m) == "bad.onnx: node \"relu_1\" (Relu): input 0 \"nowhere\" is not defined by "
                         "any earlier node, initializer or graph input");
}

TEST_CASE("onnx: duplicate output name") {
    onnx::ModelProto m = conv_model();
    add_node(*m.mutable_graph(), "Relu", "relu_2", {"c"}, {"y"});
    CHECK(error_of(m).find("tensor \"y\" is defined twice: by bad.onnx: node \"relu_1\" (Relu) "
                           "and by bad.onnx: node \"relu_2\" (Relu)") != std::string::npos);
    onnx::ModelProto listed_twice = conv_model();
    listed_twice.mutable_graph()->add_output()->set_name("y");
    CHECK(error_of(listed_twice) == "bad.onnx: graph output \"y\" is listed twice");
}

TEST_CASE("onnx: wrong initializer size") {
    onnx::ModelProto m = conv_model();
    m.mutable_graph()->mutable_initializer(0)->add_float_data(1.0f);
    CHECK(error_of(m) == "bad.onnx: initializer \"w\": holds 109 values, but its dims [4,3,3,3] "
                         "need 108");
}

TEST_CASE("onnx: unsupported ops are all reported at once, with their nodes") {
    onnx::ModelProto m = conv_model();
    onnx::GraphProto &g = *m.mutable_graph();
    add_node(g, "NonMaxSuppression", "nms_1", {"y"}, {"n1"});
    add_node(g, "NonMaxSuppression", "nms_2", {"y"}, {"n2"});
    add_node(g, "Einsum", "", {"y"}, {"e"});
    onnx::NodeProto &pad = add_node(g, "Pad", "pad_1", {"y"}, {"p"});
    onnx::AttributeProto *mode = pad.add_attribute();
    mode->set_name("mode");
    mode->set_type(onnx::AttributeProto::STRING);
    mode->set_s("reflect");
    const std::string message = error_of(m);
    CHECK(message.find("bad.onnx: cannot import this model (3 problems):") == 0);
    CHECK(message.find("unsupported op type NonMaxSuppression used by 2 nodes: \"nms_1\", "
                       "\"nms_2\"") != std::string::npos);
    CHECK(message.find("unsupported op type Einsum used by 1 node: #4") != std::string::npos);
    CHECK(message.find("node \"pad_1\" (Pad): mode 'reflect' is not supported (only "
                       "'constant')") != std::string::npos);
}

TEST_CASE("onnx: opset too new and missing external data") {
    onnx::ModelProto m = conv_model();
    m.mutable_opset_import(0)->set_version(18);
    onnx::TensorProto &w = *m.mutable_graph()->mutable_initializer(0);
    w.clear_float_data();
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    auto *location = w.add_external_data();
    location->set_key("location");
    location->set_value("weights_that_are_not_there.bin");
    const std::string message = error_of(m);
    CHECK(message.find("opset 18 is newer than cnnc supports") != std::string::npos);
    CHECK(message.find("tensor \"w\": external data file \"weights_that_are_not_there.bin\" is "
                       "missing") != std::string::npos);
}

TEST_CASE("onnx: conv with mismatched channel count") {
    onnx::ModelProto m = conv_model();
    onnx::TensorProto &w = *m.mutable_graph()->mutable_initializer(0);
    w.set_dims(1, 5); // the input has 3 channels
    w.clear_float_data();
    for (int i = 0; i < 4 * 5 * 3 * 3; ++i)
        w.add_float_data(0.5f);
    const std::string message = error_of(m);
    CHECK(message.find("bad.onnx: node \"conv_1\" (Conv): %c = conv2d: ") == 0);
    CHECK(message.find("f32[1,3,8,8]") != std::string::npos);
}

TEST_CASE("onnx: a Conv on a 3-D input names the node and the type") {
    onnx::ModelProto m = conv_model();
    onnx::TypeProto_Tensor *t = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type();
    t->mutable_shape()->mutable_dim()->RemoveLast();
    CHECK(error_of(m).find("bad.onnx: node \"conv_1\" (Conv): expects a 4-D NCHW input") == 0);
}

TEST_CASE("onnx: symbolic dims are bound from options, else 1") {
    onnx::ModelProto m = conv_model();
    m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
        ->mutable_shape()->mutable_dim(0)->set_dim_param("batch");
    std::string bytes;
    REQUIRE(m.SerializeToString(&bytes));
    ir::Graph defaulted = frontend::import_onnx_bytes(bytes, "sym.onnx");
    CHECK(ir::to_string(defaulted.type(defaulted.outputs()[0])) == "f32[1,4,6,6]");
    frontend::LoadOptions options;
    options.input_shapes["x"] = {2, 3, 8, 8};
    ir::Graph bound = frontend::import_onnx_bytes(bytes, "sym.onnx", options);
    CHECK(ir::to_string(bound.type(bound.outputs()[0])) == "f32[2,4,6,6]");
    options.input_shapes["x"] = {2, 5, 8, 8};
    CHECK_THROWS_WITH_AS(frontend::import_onnx_bytes(bytes, "sym.onnx", options),
                         "sym.onnx: --input-shape gives input \"x\" dim 1 as 5, but the model "
                         "fixes it at 3",
                         CompileError);
}
