// Whole-file reads and writes with user-facing errors. Every file cnnc writes goes through
// write_file_atomically, so a failure (or a crash) never leaves a half-written output behind.
#pragma once

#include <string>

namespace cnnc {

// Writes through a temporary in the same folder and renames it into place.
void write_file_atomically(const std::string &path, const std::string &contents);

// The file's bytes; a CompileError naming the file if it cannot be read.
std::string read_file(const std::string &path);

} // namespace cnnc
