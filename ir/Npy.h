// NumPy .npy files: the exchange format for tensors (inputs, outputs, sidecar weights).
// Reads and writes f32, little-endian, C order (versions 1.0-3.0 of the format); anything else
// is rejected with a message naming the file and what was found.
#pragma once

#include "ir/Tensor.h"

#include <string>

namespace cnnc::ir {

Tensor read_npy(const std::string &path);
// Writes to a temporary file and renames it, so a failure never leaves a partial file.
void write_npy(const std::string &path, const Tensor &tensor);

// The same, on in-memory bytes (for tests and embedded data); `what` names the source in errors.
Tensor parse_npy(const std::string &bytes, const std::string &what);
std::string serialize_npy(const Tensor &tensor);

} // namespace cnnc::ir
