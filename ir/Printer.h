// The text form of a graph (grammar: docs/ir.md). One op per line in creation order, SSA names,
// attributes in braces (only those that differ from their defaults), result types last.
// Constants print as their seeded initialiser, inline when small, or as a reference to a sidecar
// .npy file, so that parse(print(g)) equals g.
#pragma once

#include "ir/Graph.h"

#include <string>

namespace cnnc::ir {

struct PrintOptions {
    // Folder where constants without an initialiser and with more than max_inline_elements
    // values are written as NAME.npy. Empty: such constants print as `data=elided`, which is
    // readable but does not parse back (fine for --print-after-all on a terminal).
    std::string weights_dir;
    // How the text refers to weights_dir (e.g. relative to the text file's own folder).
    std::string weights_ref;
    size_t max_inline_elements = 16;
};

std::string print(const Graph &g, const PrintOptions &options = {});

// Writes the text to `path` and any large constants to `<path without extension>.weights/`,
// referenced relative to the text file, so the pair can be moved together.
void print_to_file(const Graph &g, const std::string &path);

} // namespace cnnc::ir
