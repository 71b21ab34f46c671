// Options several subcommands share: how a model is named and shaped, and how passes run.
#pragma once

#include "frontend/ModelLoader.h"
#include "passes/PassManager.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cnnc::driver {

// MODEL positional plus --input-shape NAME=1x3x224x224 (repeatable).
struct ModelOptions {
    std::string model;
    std::vector<std::string> input_shapes;

    void add_to(CLI::App &command);
    ir::Graph load() const;
};

// --passes / -O2 and the --print-* / --dump-dir / --stats family.
struct PipelineOptions {
    std::string passes;
    int opt_level = 0;        // -O0: no passes; -O2: the default pipeline
    bool print_after_all = false, print_before_all = false, stats = false;
    std::vector<std::string> print_after, print_before;
    std::string dump_dir;

    void add_to(CLI::App &command, bool optimize_by_default);
    // The pipeline the flags ask for (empty: run no pass).
    std::vector<std::string> pipeline() const;
    ir::Graph run(ir::Graph g) const;
};

// --scheduler cnnc|adams2019|mullapudi2016|li2018 (compile, tune): who schedules the kernels.
void add_scheduler_option(CLI::App &command, std::string &scheduler);

// "name=path" -> (name, path); "path" -> ("", path).
std::pair<std::string, std::string> split_binding(const std::string &text);

} // namespace cnnc::driver
