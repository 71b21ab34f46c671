// Spawning the runner (see Runner.h).
#include "tools/cnnc/Runner.h"

#include "ir/Error.h"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace cnnc::driver {

namespace fs = std::filesystem;

std::string runner_path() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    const fs::path runner = ec ? fs::path("cnnc-run") : self.parent_path() / "cnnc-run";
    if (!ec && !fs::exists(runner)) user_error("cannot find the model runner {} (it is built with cnnc)", runner.string());
    return runner.string();
}

int spawn_and_wait(const std::vector<std::string> &argv) {
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(nullptr);
    pid_t pid = 0;
    if (const int err = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ); err != 0)
        user_error("cannot start {}: {}", argv[0], std::strerror(err));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    user_error("{} was killed by signal {}", argv[0], WTERMSIG(status));
}

bool is_library(const std::string &model) {
    return fs::path(model).extension() == ".so" || model.find(".so.") != std::string::npos;
}

ScratchFolder::ScratchFolder(const std::string &prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) user_error("cannot create a temporary folder under {}", fs::temp_directory_path().string());
    path_ = pattern;
}

ScratchFolder::~ScratchFolder() {
    if (const char *keep = std::getenv("CNNC_KEEP_TEMPS"); keep && *keep) {
        fmt::print(stderr, "cnnc: kept {}\n", path_);
        return;
    }
    std::error_code ec;
    fs::remove_all(path_, ec);
}

} // namespace cnnc::driver
