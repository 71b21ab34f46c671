// What the ONNX conformance driver runs a case on: something that takes an imported graph and
// its inputs and returns its outputs. Today the reference interpreter; a compiled-library
// backend (compile the graph, load it in a runner, run) plugs in here without touching the
// driver.
#pragma once

#include "ir/Graph.h"
#include "ir/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace cnnc::conformance {

class Backend {
  public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // `g` is imported, shapes inferred and verified; inputs are in g.inputs() order.
    virtual std::vector<ir::Tensor> run(const ir::Graph &g,
                                        const std::vector<ir::Tensor> &inputs) = 0;
};

// Null for an unknown name.
std::unique_ptr<Backend> make_backend(const std::string &name);
// The names make_backend() knows, for --help.
std::vector<std::string> backend_names();

} // namespace cnnc::conformance
