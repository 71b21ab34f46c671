// What the subcommands that execute a compiled library share (test-kernels, bench): finding the
// runner executable, spawning it and waiting, and a scratch folder. The runner (cnnc-run) links
// only cnnc's runtime, so no model ever executes in this process, which holds Halide and LLVM
// (see ../shared/DESIGN.md).
#pragma once

#include <string>
#include <vector>

namespace cnnc::driver {

// cnnc-run, next to this executable.
std::string runner_path();
// Runs argv (argv[0] a path) and returns its exit status; a CompileError if it cannot start or
// is killed by a signal.
int spawn_and_wait(const std::vector<std::string> &argv);
// Whether MODEL names a compiled library (libNAME.so) rather than a model to compile.
bool is_library(const std::string &model);

// A private folder under the system's temporary folder, removed with everything in it on scope
// exit (kept, and named on stderr, when CNNC_KEEP_TEMPS is set).
class ScratchFolder {
  public:
    explicit ScratchFolder(const std::string &prefix);
    ~ScratchFolder();
    ScratchFolder(const ScratchFolder &) = delete;
    ScratchFolder &operator=(const ScratchFolder &) = delete;
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

} // namespace cnnc::driver
