// Test support for compiled libraries: compiles a model with the `cnnc` executable (so this test
// process never links Halide, as DESIGN.md requires of whatever runs a model), loads the library
// with the dlopen loader, runs it on seeded random inputs and compares every output with the
// reference interpreter. Kernel objects are cached in the build folder, so reruns link only.
#pragma once

#include "frontend/ModelLoader.h"
#include "ir/Graph.h"
#include "ir/Tensor.h"
#include "reference/Interpreter.h"
#include "runtime/Loader.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace cnnc::testing {

inline std::string shell_quote(const std::string &s) { return "'" + s + "'"; }

// The kernels' symbols of a compiled library (they name the signature, schedule included).
inline std::vector<std::string> kernel_functions(const std::string &library) {
    runtime::Library lib(library);
    const Model m(lib.api());
    std::vector<std::string> names;
    for (const auto &k : m.kernels()) names.push_back(k.function);
    return names;
}

// Where test libraries and the test kernel cache live (inside the build folder).
inline std::string scratch_dir() {
    const std::string dir = std::filesystem::absolute("codegen-scratch").string();
    std::filesystem::create_directories(dir);
    return dir;
}

// `cnnc compile MODEL -o LIB ARGS`; returns the exit status, output (both streams) in `log`.
inline int cnnc_compile(const std::string &model, const std::string &library, const std::string &args,
                        std::string *log = nullptr) {
    const std::string log_path = library + ".log";
    const std::string command =
        fmt::format("CNNC_CACHE_DIR={} {} compile {} -o {} -q {} > {} 2>&1", shell_quote(scratch_dir() + "/cache"),
                    CNNC_BINARY, shell_quote(model), shell_quote(library), args, shell_quote(log_path));
    const int status = std::system(command.c_str());
    if (log) {
        std::ifstream in(log_path);
        log->assign(std::istreambuf_iterator<char>(in), {});
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// How many kernel calls of each algorithm `net`, compiled with `args` into scratch_dir()/`name`,
// runs ("conv-depthwise": 9).
inline std::map<std::string, int> algorithm_counts(const std::string &net, const std::string &name,
                                                   const std::string &args) {
    const std::string library = scratch_dir() + "/" + name;
    std::string log;
    REQUIRE_MESSAGE(cnnc_compile(net, library, args, &log) == 0, log);
    runtime::Library lib(library);
    const Model m(lib.api());
    std::map<std::string, int> counts;
    for (const auto &k : m.kernels()) ++counts[k.algorithm];
    return counts;
}

inline ir::Tensor random_tensor(const ir::TensorType &type, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    ir::Tensor t(type);
    for (float &v : t.data) v = dist(rng);
    return t;
}

// max |got - want| / max(max |want|, tiny): the error relative to the output's scale.
inline double relative_error(const std::vector<float> &got, const std::vector<float> &want) {
    double worst = 0, scale = 1e-12;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
        const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
        worst = std::max(worst, std::isnan(d) ? INFINITY : d);
    }
    return worst / scale;
}

// Compiles `model` (a path or zoo: reference) with `args`, runs it and checks every output
// against the reference interpreter on the unoptimised graph, within `tolerance`.
inline void check_compiled_model(const std::string &model, const std::string &args, double tolerance,
                                 const std::string &library_name) {
    const std::string library = scratch_dir() + "/lib" + library_name + ".so";
    std::string log;
    const int status = cnnc_compile(model, library, args, &log);
    REQUIRE_MESSAGE(status == 0, log);
    const ir::Graph g = frontend::load_model(model);
    std::vector<ir::Tensor> inputs;
    std::vector<std::vector<float>> input_data;
    uint32_t seed = 1;
    for (ir::ValueId v : g.inputs()) {
        inputs.push_back(random_tensor(g.type(v), seed++));
        input_data.push_back(inputs.back().data);
    }
    const std::vector<ir::Tensor> want = reference::run(g, inputs);
    runtime::Library lib(library);
    const Model m(lib.api());
    REQUIRE(m.outputs().size() == want.size());
    Instance instance(m);
    const auto got = instance.run(input_data);
    for (size_t i = 0; i < want.size(); ++i) {
        INFO(model, " output %", m.outputs()[i].name);
        CHECK(m.outputs()[i].dims == want[i].dims());
        REQUIRE(got[i].size() == want[i].data.size());
        CHECK(relative_error(got[i], want[i].data) <= tolerance);
    }
}

} // namespace cnnc::testing
