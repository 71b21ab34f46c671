#include "frontend/ModelLoader.h"

#include "frontend/Zoo.h"
#include "frontend/onnx/OnnxImporter.h"

#include "ir/Error.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <filesystem>

namespace cnnc::frontend {

namespace {
bool has_extension(const std::string &path, const char *extension) {
    return std::filesystem::path(path).extension() == extension;
}
} // namespace

ir::Graph load_model(const std::string &reference, const LoadOptions &options) {
    ir::Graph g;
    if (reference.rfind("zoo:", 0) == 0) {
        g = build_zoo_model(reference.substr(4));
    } else if (has_extension(reference, ".onnx")) {
        g = import_onnx_file(reference, options);
    } else {
        if (!std::filesystem::exists(reference))
            user_error("{}: no such file (a model is a .cnn text network, a .onnx file, or "
                       "zoo:NAME)",
                       reference);
        g = ir::parse_file(reference);
    }
    ir::infer_shapes(g);
    ir::verify(g);
    return g;
}

} // namespace cnnc::frontend
