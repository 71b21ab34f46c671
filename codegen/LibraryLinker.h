// Links a model library with the system C++ compiler: the kernel objects, the Halide runtime
// object, the weights blob (pulled in by an assembler .incbin, never a giant C array), the
// generated executor and cnnc's runtime into libNAME.so, exporting only the C ABI. Writes NAME.h
// (and copies the runtime headers it includes) beside the library.
#pragma once

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc::codegen {

struct LinkJob {
    std::string library_path;   // .../libNAME.so
    std::string work_dir;       // where intermediate files go
    std::string executor_source;
    std::string weights_path;   // the blob
    std::vector<std::string> objects; // kernels and the Halide runtime
};

void link_library(const LinkJob &job);

// NAME for libNAME.so (or NAME.so, or NAME).
std::string library_stem(const std::string &library_path);

// Writes NAME.h for `g` next to the library: the C ABI plus the model's inputs and outputs.
void write_model_header(const ir::Graph &g, const std::string &library_path);

} // namespace cnnc::codegen
