// An empty folder of its own for a test that writes files: under the system's temporary folder,
// named after the test's `prefix`, `name` and this process (parallel ctest runs never share one).
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>

#include <unistd.h>

namespace cnnc::testing {

inline std::filesystem::path fresh_dir(const std::string &prefix, const std::string &name) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / fmt::format("{}-{}-{}", prefix, name, ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

} // namespace cnnc::testing
