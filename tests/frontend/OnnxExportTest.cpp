// The exporter: a graph written as ONNX passes onnx::checker (inside export_onnx_model) and
// imports back to a graph that computes the same outputs, for a zoo model that uses most ops.
#include "frontend/ModelLoader.h"
#include "frontend/onnx/OnnxExporter.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"
#include "reference/Interpreter.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace cnnc;

namespace {
ir::Tensor ramp(const ir::TensorType &type) {
    ir::Tensor t(type);
    for (int64_t i = 0; i < t.size(); ++i)
        t.data[static_cast<size_t>(i)] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
    return t;
}
} // namespace

TEST_CASE("onnx export: fixtures round-trip through export and import") {
    for (const char *name : {"shufflenet_unit", "dilated_stack", "inception_module"}) {
        CAPTURE(name);
        const std::string path =
            std::string(CNNC_TEST_DATA_DIR) + "/frontend/onnx/fixtures/" + name + "/model.onnx";
        ir::Graph g = frontend::load_model(path);
        ir::Graph back = frontend::import_onnx_bytes(frontend::export_onnx_bytes(g), "back.onnx");
        ir::infer_shapes(back);
        ir::verify(back);
        REQUIRE(back.inputs().size() == 1);
        const ir::Tensor x = ramp(g.type(g.inputs()[0]));
        const std::vector<ir::Tensor> a = reference::run(g, {x}), b = reference::run(back, {x});
        REQUIRE(a.size() == b.size());
        CHECK(a[0].dims() == b[0].dims());
        CHECK(a[0].data == b[0].data);
    }
}
