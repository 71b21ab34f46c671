// libFuzzer target: arbitrary bytes as an ONNX file. The importer must either build a graph
// (which then passes shape inference and the verifier) or throw CompileError; anything else —
// a crash, a sanitizer report, an InternalError, another exception — is a bug.
#include "frontend/onnx/OnnxImporter.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    try {
        cnnc::ir::Graph g = cnnc::frontend::import_onnx_bytes(bytes, "fuzz.onnx");
        cnnc::ir::infer_shapes(g);
        cnnc::ir::verify(g);
    } catch (const cnnc::CompileError &) {
    }
    return 0;
}
