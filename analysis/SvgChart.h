// `cnnc info --svg FILE`: three stacked per-layer bar charts (MACs, parameters, activation
// memory) sharing one x axis of layers, so where a network spends compute, weights and memory
// can be seen at a glance: AlexNet's parameters in its FC layers, its MACs in the convs, its
// memory in the first layers. Layers that contribute nothing to any of the three (ReLU, flatten
// ...) are left out so the bars of big networks stay readable; each bar's tooltip names its
// layer and value.
#pragma once

#include "analysis/ModelInfo.h"

#include <string>

namespace cnnc::analysis {

std::string render_svg(const ModelInfo &info);

// Writes render_svg(info) to a temporary file beside `path` and renames it into place, so a
// failure never leaves a partial chart. CompileError if the file cannot be written.
void write_svg(const std::string &path, const ModelInfo &info);

} // namespace cnnc::analysis
