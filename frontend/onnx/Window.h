// The window attributes that ONNX's Conv, ConvTranspose, MaxPool and AveragePool share
// (kernel_shape, strides, dilations, pads, auto_pad), read once for 2-D windows (internal to
// frontend/onnx).
#pragma once

#include "frontend/onnx/ImportContext.h"

#include <optional>
#include <vector>

namespace cnnc::frontend::onnximport {

struct Window {
    ir::Hw kernel{1, 1}, stride{1, 1}, dilation{1, 1};
    ir::Pads pad{0, 0, 0, 0};
    std::string auto_pad = "NOTSET";
};

// Reads the window of a node over an NCHW input with spatial dims `in` (h, w). `kernel` is the
// kernel size the weights imply (convs), or empty (pools: kernel_shape is required). auto_pad
// SAME_* pads for an output of ceil(in / stride), the extra pixel at the end (UPPER) or begin.
Window read_window(const Context &ctx, const ir::Hw &in, std::optional<ir::Hw> kernel);

// The scan's check of the same attributes: auto_pad values and 2-D lengths.
void check_window(const onnx::NodeProto &node, std::vector<std::string> &problems);

} // namespace cnnc::frontend::onnximport
