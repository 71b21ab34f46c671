// `cnnc eval MODEL --input x.npy -o y.npy`: runs the reference interpreter on a model.
// Inputs and outputs bind by position or by name (`--input data=x.npy`). All outputs are
// computed before any file is written, so an error never leaves some outputs written.
#include "ir/Error.h"
#include "ir/Npy.h"
#include "reference/Interpreter.h"
#include "tools/cnnc/Command.h"
#include "tools/cnnc/CommonOptions.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <memory>

namespace cnnc::driver {

namespace {

// Orders `bindings` (NAME=path or path) by the graph values they bind to.
std::vector<std::string> bind_files(const ir::Graph &g, const std::vector<ir::ValueId> &values,
                              const std::vector<std::string> &bindings, const char *what) {
    std::vector<std::string> names;
    for (ir::ValueId v : values) names.push_back(g.value(v).name);
    if (bindings.size() != values.size())
        user_error("the model has {} {}s (%{}); got {} {} file(s)", values.size(), what,
                   fmt::join(names, ", %"), bindings.size(), what);
    std::vector<std::string> paths(values.size());
    for (size_t i = 0; i < bindings.size(); ++i) {
        auto [name, path] = split_binding(bindings[i]);
        size_t slot = i;
        if (!name.empty()) {
            auto it = std::find(names.begin(), names.end(), name);
            if (it == names.end())
                user_error("--{} {}: the model has no {} named '{}' (it has %{})", what,
                           bindings[i], what, name, fmt::join(names, ", %"));
            slot = static_cast<size_t>(it - names.begin());
        }
        if (!paths[slot].empty()) user_error("{} %{} is bound twice", what, names[slot]);
        paths[slot] = path;
    }
    return paths;
}

} // namespace

void add_eval_command(CLI::App &app, int &exit_status) {
    struct Options {
        ModelOptions model;
        PipelineOptions pipeline;
        std::vector<std::string> inputs, outputs;
        bool print = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App *command = app.add_subcommand(
        "eval", "Run a model with the reference interpreter on .npy inputs (f32, C order)");
    options->model.add_to(*command);
    options->pipeline.add_to(*command, false);
    command->add_option("-i,--input", options->inputs, "Input .npy, as PATH or NAME=PATH (repeatable)");
    command->add_option("-o,--output", options->outputs,
                        "Output .npy, as PATH or NAME=PATH (repeatable)");
    command->add_flag("--print", options->print,
                      "Print each output's type and values to stdout (for small tensors)");
    command->callback([options, &exit_status] {
        const ir::Graph g = options->pipeline.run(options->model.load());
        const auto input_paths = bind_files(g, g.inputs(), options->inputs, "input");
        if (options->outputs.empty() && !options->print)
            user_error("eval has nothing to do: give -o OUT.npy for each output, or --print");
        const auto output_paths = options->outputs.empty()
                                      ? std::vector<std::string>{}
                                      : bind_files(g, g.outputs(), options->outputs, "output");
        std::vector<ir::Tensor> inputs;
        for (const auto &path : input_paths) inputs.push_back(ir::read_npy(path));
        const std::vector<ir::Tensor> outputs = reference::run(g, inputs);
        for (size_t i = 0; i < output_paths.size(); ++i) ir::write_npy(output_paths[i], outputs[i]);
        if (options->print)
            for (size_t i = 0; i < outputs.size(); ++i)
                fmt::print("%{} : {} = [{}]\n", g.value(g.outputs()[i]).name,
                           ir::to_string(outputs[i].type), fmt::join(outputs[i].data, ", "));
        exit_status = 0;
    });
}

} // namespace cnnc::driver
