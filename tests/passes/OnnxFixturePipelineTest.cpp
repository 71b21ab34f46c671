// The default pipeline (-O2) on every exported ONNX fixture (tests/frontend/onnx/fixtures, made
// from PyTorch by make_fixtures.py): the graph verifies after every pass, the reference outputs
// before and after agree within 1e-4 relative to each output's scale, and the optimised graph's
// output matches PyTorch's expected.npy on the fixture's own input within the tolerance the
// fixture tests use (1e-4 relative + 1e-5 absolute).
#include "frontend/ModelLoader.h"
#include "ir/Npy.h"
#include "passes/PassManager.h"
#include "PassTestUtil.h"

#include <filesystem>
#include <string>

using namespace cnnc;
using namespace cnnc::ir;

TEST_CASE("-O2 keeps every ONNX fixture's outputs within 1e-4 of the reference and of PyTorch") {
    namespace fs = std::filesystem;
    const fs::path root = fs::path(CNNC_TEST_DATA_DIR) / "frontend" / "onnx" / "fixtures";
    int fixtures = 0;
    for (const auto &entry : fs::directory_iterator(root)) {
        if (!fs::exists(entry.path() / "model.onnx")) continue;
        const std::string name = entry.path().filename().string();
        INFO(name);
        ++fixtures;
        frontend::LoadOptions load;
        // Exported with a symbolic batch dim (see OnnxTests.cmake): bound as its test binds it.
        if (name == "dense_block") load.input_shapes["input"] = {1, 16, 12, 12};
        const Graph g = frontend::load_model((entry.path() / "model.onnx").string(), load);
        passes::PassManagerOptions options;
        options.verify_each = true;
        const Graph out = passes::run_pipeline(g, passes::default_pipeline(), options);
        CHECK(testing::count_ops(out, OpKind::batch_norm) == 0);
        testing::check_same_outputs(g, out, 1e-4);

        const Tensor input = read_npy((entry.path() / "input.npy").string());
        const Tensor expected = read_npy((entry.path() / "expected.npy").string());
        const std::vector<Tensor> got = reference::run(out, {input});
        REQUIRE(got.size() == 1);
        REQUIRE(got[0].dims() == expected.dims());
        int64_t bad = 0;
        for (size_t i = 0; i < expected.data.size(); ++i)
            bad += !(std::fabs(got[0].data[i] - expected.data[i]) <=
                     1e-5 + 1e-4 * std::fabs(expected.data[i]));
        CHECK(bad == 0);
    }
    CHECK(fixtures == 6);
}
