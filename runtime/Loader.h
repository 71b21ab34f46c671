// Opens a compiled model library with dlopen and resolves its C ABI, for the processes that run
// models on cnnc's side (cnnc-run, tests, later bench and tuning measurements). It links nothing
// of Halide or LLVM: the library carries its own Halide runtime.
#pragma once

#include "runtime/cnnc_runtime.hpp"

#include <string>

namespace cnnc::runtime {

class Library {
  public:
    // Throws cnnc::Error with dlerror()'s message if the file cannot be loaded or is not a
    // cnnc library of this ABI version.
    explicit Library(const std::string &path);
    ~Library();
    Library(const Library &) = delete;
    Library &operator=(const Library &) = delete;

    const Api &api() const { return api_; }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
    void *handle_ = nullptr;
    Api api_{};
};

} // namespace cnnc::runtime
