// Test support for the tuning database tests: a fresh database path.
#pragma once

#include <filesystem>
#include <string>

namespace cnnc::testing {

// `name` in the system's temporary folder, with no file there yet.
inline std::string temp_db(const char *name) {
    const std::string path = (std::filesystem::temp_directory_path() / name).string();
    std::filesystem::remove(path);
    return path;
}

} // namespace cnnc::testing
