// One entry point for every way a user names a model: a text network (`net.cnn`), an ONNX file
// (`model.onnx`), or a built-in architecture (`zoo:resnet50?width=0.5`). Whatever the source,
// the result is a graph with every type inferred, verified.
#pragma once

#include "ir/Graph.h"

#include <map>
#include <string>

namespace cnnc::frontend {

struct LoadOptions {
    // Shapes bound to symbolic/dynamic input dims, by input name (`--input-shape data=1x3x224x224`).
    std::map<std::string, ir::Dims> input_shapes;
};

ir::Graph load_model(const std::string &reference, const LoadOptions &options = {});

} // namespace cnnc::frontend
