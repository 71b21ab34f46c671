// The reverse direction: an IR graph (types inferred) as an ONNX model at opset 13, so cnnc's
// graphs open in Netron and run in other runtimes for cross-checking. Each IR op maps to the
// ONNX op of the same meaning; attributes the IR folded from operands (reshape shapes, pads,
// split sizes, clip bounds, resize scales) go back to initializers. The result passes
// onnx::checker; an op with no ONNX form is a CompileError naming it.
#pragma once

#include "ir/Graph.h"

#include <string>

namespace onnx {
class ModelProto;
}

namespace cnnc::frontend {

// Builds the model and checks it with onnx::checker (a failure there is an InternalError).
onnx::ModelProto export_onnx_model(const ir::Graph &g);
std::string export_onnx_bytes(const ir::Graph &g);
// Writes to a temporary file beside `path` and renames it, so a failure leaves no partial file.
void export_onnx_file(const ir::Graph &g, const std::string &path);

} // namespace cnnc::frontend
