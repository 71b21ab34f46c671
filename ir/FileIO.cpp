#include "ir/FileIO.h"

#include "ir/Error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace cnnc {

void write_file_atomically(const std::string &path, const std::string &contents) {
    // The temporary sits in the same folder so the rename is atomic.
    const std::string temp = fmt::format("{}.tmp{}", path, static_cast<long>(::getpid()));
    std::FILE *file = std::fopen(temp.c_str(), "wb");
    if (!file) user_error("{}: cannot write: {}", path, std::strerror(errno));
    const bool ok = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
    const bool closed = std::fclose(file) == 0;
    if (!ok || !closed) {
        const int error = errno;
        std::remove(temp.c_str());
        user_error("{}: write failed: {}", path, std::strerror(error));
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        user_error("{}: cannot rename the temporary file into place: {}", path, ec.message());
    }
}

std::string read_file(const std::string &path) {
    if (std::filesystem::is_directory(path)) user_error("{}: is a folder, not a file", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) user_error("{}: cannot open: {}", path, std::strerror(errno));
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) user_error("{}: read failed: {}", path, std::strerror(errno));
    return std::move(contents).str();
}

} // namespace cnnc
