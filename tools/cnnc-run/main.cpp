// cnnc-run: runs a compiled model library on .npy inputs and writes .npy outputs. It is the
// process that executes models for `cnnc run` (and later bench and tuning): it links only the
// dlopen loader and .npy I/O, never Halide or LLVM (see ../shared/DESIGN.md), so the library runs
// as it would in a user's program.
//
//   cnnc-run libNAME.so --input [NAME=]x.npy ... -o [NAME=]y.npy ... [--print] [--repeat N]
//   cnnc-run kernels | bench | fma-peak ...   (see Modes.h)
#include "ir/Error.h"
#include "ir/Npy.h"
#include "runtime/Loader.h"
#include "tools/cnnc-run/Modes.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

namespace {

using cnnc::user_error;

std::string shape_text(const std::vector<int64_t> &dims) { return fmt::format("f32[{}]", fmt::join(dims, ",")); }

// Orders NAME=PATH / PATH bindings by the model's tensors.
std::vector<std::string> bind(const std::vector<cnnc::TensorInfo> &tensors, const std::vector<std::string> &bindings,
                              const char *what) {
    std::vector<std::string> names;
    for (const auto &t : tensors) names.push_back(t.name);
    if (bindings.size() != tensors.size())
        user_error("the model has {} {}s (%{}); got {} {} file(s)", tensors.size(), what, fmt::join(names, ", %"),
                   bindings.size(), what);
    std::vector<std::string> paths(tensors.size());
    for (size_t i = 0; i < bindings.size(); ++i) {
        const size_t eq = bindings[i].find('=');
        size_t slot = i;
        std::string path = bindings[i];
        if (eq != std::string::npos) {
            const std::string name = bindings[i].substr(0, eq);
            path = bindings[i].substr(eq + 1);
            auto it = std::find(names.begin(), names.end(), name);
            if (it == names.end())
                user_error("--{} {}: the model has no {} named '{}' (it has %{})", what, bindings[i], what, name,
                           fmt::join(names, ", %"));
            slot = static_cast<size_t>(it - names.begin());
        }
        if (!paths[slot].empty()) user_error("{} %{} is bound twice", what, names[slot]);
        paths[slot] = path;
    }
    return paths;
}

int run(const std::string &library, const std::vector<std::string> &input_bindings,
        const std::vector<std::string> &output_bindings, bool print, int repeat) {
    cnnc::runtime::Library lib(library);
    const cnnc::Model model(lib.api());
    if (output_bindings.empty() && !print) user_error("nothing to do: give -o OUT.npy for each output, or --print");
    const auto input_paths = bind(model.inputs(), input_bindings, "input");
    const auto output_paths =
        output_bindings.empty() ? std::vector<std::string>{} : bind(model.outputs(), output_bindings, "output");
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < input_paths.size(); ++i) {
        cnnc::ir::Tensor t = cnnc::ir::read_npy(input_paths[i]);
        const auto &want = model.inputs()[i];
        if (t.type.dims != want.dims)
            user_error("{}: input %{} expects {}, the file holds {}", input_paths[i], want.name, shape_text(want.dims),
                       shape_text(t.type.dims));
        inputs.push_back(std::move(t.data));
    }
    cnnc::Instance instance(model);
    std::vector<std::vector<float>> outputs;
    double best = 1e30;
    for (int r = 0; r < std::max(repeat, 1); ++r) {
        const auto start = std::chrono::steady_clock::now();
        outputs = instance.run(inputs);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (repeat > 1) fmt::print(stderr, "cnnc-run: best of {} runs: {:.3f} ms\n", repeat, best * 1e3);
    for (size_t i = 0; i < output_paths.size(); ++i) {
        const auto &info = model.outputs()[i];
        cnnc::ir::write_npy(output_paths[i], cnnc::ir::Tensor({cnnc::ir::DType::f32, info.dims}, outputs[i]));
    }
    if (print)
        for (size_t i = 0; i < outputs.size(); ++i)
            fmt::print("%{} : {} = [{}]\n", model.outputs()[i].name, shape_text(model.outputs()[i].dims),
                       fmt::join(outputs[i], ", "));
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    // The modes are words no library path is (a library ends in .so); dispatch before CLI11, so
    // each mode has its own options and `cnnc-run LIB ...` keeps working as before.
    const std::string mode = argc > 1 ? argv[1] : "";
    int (*mode_main)(int, char **) = mode == "kernels" ? cnnc::runner::kernels_main
                                     : mode == "bench" ? cnnc::runner::bench_main
                                     : mode == "fma-peak" ? cnnc::runner::fma_peak_main
                                                          : nullptr;
    if (mode_main) {
        try {
            return mode_main(argc - 1, argv + 1);
        } catch (const cnnc::InternalError &e) {
            fmt::print(stderr, "cnnc-run: {} (this is a bug in cnnc)\n", e.what());
            return 2;
        } catch (const std::exception &e) {
            fmt::print(stderr, "cnnc-run {}: error: {}\n", mode, e.what());
            return 1;
        }
    }
    CLI::App app{"cnnc-run: run a model library compiled by cnnc on .npy inputs", "cnnc-run"};
    std::string library;
    std::vector<std::string> inputs, outputs;
    bool print = false;
    int repeat = 1;
    app.add_option("library", library, "A model library (libNAME.so) from `cnnc compile`")->required();
    app.add_option("-i,--input", inputs, "Input .npy (f32, NCHW), as PATH or NAME=PATH (repeatable)");
    app.add_option("-o,--output", outputs, "Output .npy, as PATH or NAME=PATH (repeatable)");
    app.add_flag("--print", print, "Print each output's type and values to stdout");
    app.add_option("--repeat", repeat, "Run this many times and report the best time on stderr")->check(CLI::PositiveNumber);
    try {
        app.parse(argc, argv);
        return run(library, inputs, outputs, print, repeat);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    } catch (const cnnc::InternalError &e) {
        fmt::print(stderr, "cnnc-run: {} (this is a bug in cnnc)\n", e.what());
        return 2;
    } catch (const std::exception &e) {
        fmt::print(stderr, "cnnc-run: error: {}\n", e.what());
        return 1;
    }
}
