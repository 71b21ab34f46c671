// The conformance backends. `reference`: the reference interpreter, the oracle every other
// path is later checked against, so the ONNX tests pin down importer + interpreter together.
#include "ConformanceBackend.h"

#include "reference/Interpreter.h"

namespace cnnc::conformance {

namespace {
class ReferenceBackend final : public Backend {
  public:
    std::string name() const override { return "reference"; }
    std::vector<ir::Tensor> run(const ir::Graph &g,
                                const std::vector<ir::Tensor> &inputs) override {
        return reference::run(g, inputs);
    }
};
} // namespace

std::unique_ptr<Backend> make_backend(const std::string &name) {
    if (name == "reference")
        return std::make_unique<ReferenceBackend>();
    return nullptr;
}

std::vector<std::string> backend_names() { return {"reference"}; }

} // namespace cnnc::conformance
