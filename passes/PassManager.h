// Runs a pipeline of passes by name, verifying after each (when asked) and printing the IR
// before/after chosen passes to a stream or to numbered files in a dump folder.
#pragma once

#include "ir/Graph.h"

#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::passes {

struct PassInfo {
    std::string_view name;
    ir::Graph (*run)(const ir::Graph &);
    std::string_view description;
};

// Every registered pass, in the order of Passes.def.
const std::vector<PassInfo> &pass_registry();
// The pass called `name`; a CompileError listing the known names if there is none.
const PassInfo &find_pass(std::string_view name);

// The default optimisation pipeline (`-O2`), in order.
std::vector<std::string> default_pipeline();
// Splits "a,b,c" into names, checking each is registered.
std::vector<std::string> parse_pipeline(std::string_view text);

struct PassManagerOptions {
    bool verify_each = true;  // run the verifier after every pass (always on in tests)
    bool print_before_all = false, print_after_all = false;
    std::set<std::string> print_before, print_after;
    std::string dump_dir;     // if set, prints go to DIR/NN-<pass>.cnn (+ weights) instead
    std::FILE *print_stream = stderr;
    bool stats = false;       // per-pass op counts, printed to print_stream
};

ir::Graph run_pipeline(ir::Graph g, const std::vector<std::string> &pipeline,
                       const PassManagerOptions &options = {});

} // namespace cnnc::passes
