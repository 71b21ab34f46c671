// The ONNX importer: an ONNX ModelProto (opsets 7-17; older ones where their ops mean the same)
// Before anything is built, the whole model is scanned and every unsupported thing in it (op
// types with the nodes using them, attribute values, opsets, missing external data) is reported
// in one CompileError, one line each. Shape arithmetic that PyTorch's exporter emits
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) is evaluated here, so the graph only holds
// static reshapes. Every op's origin is `file.onnx: node "name" (OpType)`.
#pragma once

#include "frontend/ModelLoader.h"
#include "ir/Graph.h"

#include <string>

namespace onnx {
class ModelProto;
}

namespace cnnc::frontend {

// Reads and imports `path`; external data files are resolved relative to its folder.
ir::Graph import_onnx_file(const std::string &path, const LoadOptions &options = {});

// The same on serialized ModelProto bytes; `filename` names the model in messages and locates
// external data (its folder).
ir::Graph import_onnx_bytes(const std::string &bytes, const std::string &filename,
                            const LoadOptions &options = {});

// The same on a parsed model.
ir::Graph import_onnx_model(const onnx::ModelProto &model, const std::string &filename,
                            const LoadOptions &options = {});

// Whether input `index` of an op of `op_type` must be known at compile time (a shape, pads,
// split sizes, clip bounds, resize scales...): cnnc compiles static shapes, so such operands
// are folded into attributes. The conformance driver uses this to turn the test data of such
// inputs into initializers.
bool onnx_input_must_be_constant(const std::string &op_type, int index);

// Whether cnnc imports nodes of this op type (default domain).
bool onnx_op_supported(const std::string &op_type);

} // namespace cnnc::frontend
