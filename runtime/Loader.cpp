// dlopen-based loading of model libraries (see Loader.h). RTLD_LOCAL keeps each library's
// symbols (its Halide runtime included) to itself, so several models load side by side.
#include "runtime/Loader.h"

#include <dlfcn.h>

#include <type_traits>

namespace cnnc::runtime {

namespace {

template <class F> void resolve(void *handle, const std::string &path, const char *name, F &slot) {
    void *symbol = dlsym(handle, name);
    if (!symbol) throw Error(path + ": not a cnnc model library (no " + name + ")");
    slot = reinterpret_cast<F>(symbol);
}

} // namespace

Library::Library(const std::string &path) : path_(path) {
    // A bare file name would make dlopen search the library path, not the current folder.
    const std::string where = path.find('/') == std::string::npos ? "./" + path : path;
    handle_ = dlopen(where.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) throw Error(std::string("cannot load ") + path + ": " + dlerror());
    try {
        resolve(handle_, path, "cnnc_abi_version", api_.abi_version);
        resolve(handle_, path, "cnnc_model_name", api_.model_name);
        resolve(handle_, path, "cnnc_num_inputs", api_.num_inputs);
        resolve(handle_, path, "cnnc_num_outputs", api_.num_outputs);
        resolve(handle_, path, "cnnc_input_info", api_.input_info);
        resolve(handle_, path, "cnnc_output_info", api_.output_info);
        resolve(handle_, path, "cnnc_create", api_.create);
        resolve(handle_, path, "cnnc_destroy", api_.destroy);
        resolve(handle_, path, "cnnc_run", api_.run);
        resolve(handle_, path, "cnnc_last_error", api_.last_error);
        // Per-kernel calls came later: a library without them still runs, Model::kernels() says why not.
        auto optional = [&](const char *name, auto &slot) {
            slot = reinterpret_cast<std::decay_t<decltype(slot)>>(dlsym(handle_, name));
        };
        optional("cnnc_num_kernels", api_.num_kernels);
        optional("cnnc_get_kernel_info", api_.get_kernel_info);
        optional("cnnc_get_operand_info", api_.get_operand_info);
        optional("cnnc_set_operand", api_.set_operand);
        optional("cnnc_get_operand", api_.get_operand);
        optional("cnnc_run_kernel", api_.run_kernel);
        optional("cnnc_run_profiled", api_.run_profiled);
        if (!api_.num_kernels || !api_.get_kernel_info || !api_.get_operand_info || !api_.set_operand ||
            !api_.get_operand || !api_.run_kernel)
            api_.num_kernels = nullptr;
        if (api_.abi_version() != CNNC_ABI_VERSION)
            throw Error(path + ": built for cnnc ABI version " + std::to_string(api_.abi_version()) +
                        ", this program speaks version " + std::to_string(CNNC_ABI_VERSION));
    } catch (...) {
        dlclose(handle_);
        throw;
    }
}

Library::~Library() {
    if (handle_) dlclose(handle_);
}

} // namespace cnnc::runtime
