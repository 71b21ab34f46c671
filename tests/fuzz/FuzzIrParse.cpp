// libFuzzer target: arbitrary text as a .cnn network. The parser must either build a graph
// (which then passes shape inference and the verifier) or throw CompileError; anything else is
// a bug. Sidecar weight files resolve relative to a folder that does not exist.
#include "ir/Error.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string text(reinterpret_cast<const char *>(data), size);
    try {
        cnnc::ir::Graph g = cnnc::ir::parse(text, "/nonexistent-fuzz-dir/fuzz.cnn");
        cnnc::ir::infer_shapes(g);
        cnnc::ir::verify(g);
    } catch (const cnnc::CompileError &) {
    }
    return 0;
}
