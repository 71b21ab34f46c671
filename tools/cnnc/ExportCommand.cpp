// `cnnc export MODEL -o out.onnx [--passes=...]`: writes a model (a text net, a zoo model, an
// ONNX file, optionally after passes) as an ONNX model that onnx.checker accepts, for Netron
// and for cross-checking in other runtimes.
#include "frontend/onnx/OnnxExporter.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <memory>

namespace cnnc::driver {

void add_export_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        std::string output;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "export", "Write a model (optionally after passes) as an ONNX file (opset 13)");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, false);
    command->add_option("-o,--output", options->output, "The .onnx file to write")->required();
    command->callback([options, &exit_status] {
        const ir::Graph g = options->pipeline.run(options->model.load());
        frontend::export_onnx_file(g, options->output);
        exit_status = 0;
    });
}

} // namespace cnnc::driver
