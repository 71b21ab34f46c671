// The ONNX backend-test conformance driver. For every test case (a folder with model.onnx and
// test_data_set_*/{input,output}_*.pb) whose ops cnnc claims to import, it imports the model,
// runs it on a backend and compares each output with ONNX's runner tolerances
// (|got - expected| <= atol + rtol * |expected|, rtol 1e-3, atol 1e-7). Cases of claimed ops
// that cnnc cannot run are listed with a reason in skip_list.txt; a listed case is still run,
// and one that passes is reported, so the list cannot silently go stale. Prints one line per
// failure and `N passed, N failed, N skipped`; exits nonzero on any failure.
//
// Inputs that a static-shape compiler needs at compile time (a Reshape's shape, Clip bounds,
// Pad's pads, Resize's scales, and any non-float input) are turned into initializers holding
// the test data, which is what an exporter does for a model with fixed shapes.
#include "ConformanceBackend.h"

#include "frontend/onnx/ImportContext.h"
#include "frontend/onnx/OnnxImporter.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace cnnc;

namespace {

std::string read_bytes(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        user_error("{}: cannot open", path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

template <class Proto> Proto read_proto(const fs::path &path) {
    Proto proto;
    if (!proto.ParseFromString(read_bytes(path)))
        user_error("{}: does not parse", path.string());
    return proto;
}

ir::Tensor to_tensor(const onnx::TensorProto &t, const std::string &what) {
    frontend::onnximport::Known k = frontend::onnximport::decode_tensor(t, what);
    std::vector<double> v = k.as_floats();
    ir::TensorType type;
    type.dims = k.dims;
    return ir::Tensor(type, std::vector<float>(v.begin(), v.end()));
}

// Files named <prefix>_<n>.pb in `dir`, in numeric order.
std::vector<fs::path> numbered(const fs::path &dir, const std::string &prefix) {
    std::vector<fs::path> files;
    for (int i = 0;; ++i) {
        fs::path p = dir / fmt::format("{}_{}.pb", prefix, i);
        if (!fs::exists(p))
            return files;
        files.push_back(p);
    }
}

// The skip list: "case_name reason..." per line; '#' starts a comment.
std::map<std::string, std::string> read_skip_list(const std::string &path) {
    std::map<std::string, std::string> skips;
    if (path.empty())
        return skips;
    std::istringstream lines(read_bytes(path));
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (auto hash = line.find('#'); hash != std::string::npos)
            line.erase(hash);
        const size_t begin = line.find_first_not_of(" \t");
        if (begin == std::string::npos)
            continue;
        const size_t end = line.find_first_of(" \t", begin);
        const std::string name = line.substr(begin, end - begin);
        const size_t reason = end == std::string::npos ? end : line.find_first_not_of(" \t", end);
        if (reason == std::string::npos)
            user_error("{}:{}: case {} is listed without a reason", path, number, name);
        skips[name] = line.substr(reason);
    }
    return skips;
}

bool claimed(const onnx::ModelProto &model) {
    if (model.graph().node_size() == 0)
        return false;
    for (const onnx::NodeProto &node : model.graph().node())
        if (!(node.domain().empty() || node.domain() == "ai.onnx") ||
            !frontend::onnx_op_supported(node.op_type()))
            return false;
    return true;
}

// Compares one output; empty when it matches.
std::string compare(const ir::Tensor &got, const ir::Tensor &expected, double rtol, double atol) {
    if (got.dims() != expected.dims())
        return fmt::format("dims {} instead of {}", ir::dims_to_string(got.dims()),
                           ir::dims_to_string(expected.dims()));
    int64_t bad = 0, first = -1;
    double worst = 0;
    for (int64_t i = 0; i < got.size(); ++i) {
        const double g = got.data[static_cast<size_t>(i)], e = expected.data[static_cast<size_t>(i)];
        if (std::isnan(g) && std::isnan(e))
            continue;
        const double err = std::fabs(g - e);
        if (!(err <= atol + rtol * std::fabs(e)) && !(g == e)) {
            if (first < 0)
                first = i;
            ++bad;
            worst = std::max(worst, err);
        }
    }
    if (bad == 0)
        return {};
    return fmt::format("{} of {} values differ (first at {}: {} instead of {}; max abs error {})",
                       bad, got.size(), first, got.data[static_cast<size_t>(first)],
                       expected.data[static_cast<size_t>(first)], worst);
}

// Runs one case; empty when every data set matches, else why not.
std::string run_case(const fs::path &dir, conformance::Backend &backend, double rtol,
                     double atol) {
    const onnx::ModelProto original = read_proto<onnx::ModelProto>(dir / "model.onnx");
    std::vector<fs::path> sets;
    for (const auto &entry : fs::directory_iterator(dir))
        if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0)
            sets.push_back(entry.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty())
        return "no test_data_set_* folder";
    for (const fs::path &set : sets) {
        onnx::ModelProto model = original;
        onnx::GraphProto &graph = *model.mutable_graph();
        std::set<std::string> initializers;
        for (const onnx::TensorProto &t : graph.initializer())
            initializers.insert(t.name());
        // Which graph inputs feed a compile-time operand.
        std::set<std::string> static_names;
        for (const onnx::NodeProto &node : graph.node())
            for (int i = 0; i < node.input_size(); ++i)
                if (frontend::onnx_input_must_be_constant(node.op_type(), i))
                    static_names.insert(node.input(i));
        const std::vector<fs::path> input_files = numbered(set, "input");
        std::vector<ir::Tensor> runtime_inputs;
        size_t next_file = 0;
        for (const onnx::ValueInfoProto &in : graph.input()) {
            if (initializers.count(in.name()))
                continue;
            if (next_file >= input_files.size())
                return fmt::format("{}: no data for input \"{}\"", set.filename().string(),
                                   in.name());
            onnx::TensorProto data = read_proto<onnx::TensorProto>(input_files[next_file++]);
            const bool is_float = in.type().tensor_type().elem_type() == onnx::TensorProto::FLOAT;
            if (!is_float || static_names.count(in.name())) {
                data.set_name(in.name());
                *graph.add_initializer() = data;
            } else {
                runtime_inputs.push_back(to_tensor(data, in.name()));
            }
        }
        ir::Graph g;
        try {
            g = frontend::import_onnx_model(model, (dir / "model.onnx").string());
            ir::infer_shapes(g);
            ir::verify(g);
        } catch (const CompileError &e) {
            return fmt::format("import: {}", e.what());
        }
        std::vector<ir::Tensor> outputs;
        try {
            outputs = backend.run(g, runtime_inputs);
        } catch (const std::exception &e) {
            return fmt::format("{}: {}", backend.name(), e.what());
        }
        const std::vector<fs::path> output_files = numbered(set, "output");
        if (output_files.size() != outputs.size())
            return fmt::format("{} outputs, the test expects {}", outputs.size(),
                               output_files.size());
        for (size_t i = 0; i < outputs.size(); ++i) {
            const ir::Tensor expected =
                to_tensor(read_proto<onnx::TensorProto>(output_files[i]), "expected output");
            std::string why = compare(outputs[i], expected, rtol, atol);
            if (!why.empty())
                return fmt::format("{}: output {}: {}", set.filename().string(), i, why);
        }
    }
    return {};
}

} // namespace

int main(int argc, char **argv) {
    CLI::App app{"Runs ONNX backend node tests through cnnc's ONNX importer"};
    std::vector<std::string> roots;
    std::string skip_path, backend_name = "reference", filter;
    double rtol = 1e-3, atol = 1e-7;
    bool verbose = false;
    app.add_option("roots", roots, "Folders of test cases (each case a folder with model.onnx)")
        ->required();
    app.add_option("--skip-list", skip_path, "Cases not expected to pass, with reasons");
    app.add_option("--backend", backend_name, "What runs the graphs: reference");
    app.add_option("--filter", filter, "Only cases whose name contains this");
    app.add_option("--rtol", rtol, "Relative tolerance (ONNX's runner: 1e-3)");
    app.add_option("--atol", atol, "Absolute tolerance (ONNX's runner: 1e-7)");
    app.add_flag("-v,--verbose", verbose, "Print every case's outcome");
    CLI11_PARSE(app, argc, argv);

    try {
        std::unique_ptr<conformance::Backend> backend = conformance::make_backend(backend_name);
        if (!backend)
            user_error("unknown backend '{}'", backend_name);
        const std::map<std::string, std::string> skips = read_skip_list(skip_path);
        std::vector<fs::path> cases;
        for (const std::string &root : roots) {
            if (!fs::is_directory(root))
                user_error("{}: not a folder of test cases", root);
            for (const auto &entry : fs::directory_iterator(root))
                if (fs::exists(entry.path() / "model.onnx"))
                    cases.push_back(entry.path());
        }
        std::sort(cases.begin(), cases.end());
        int passed = 0, failed = 0, skipped = 0, unclaimed = 0;
        std::set<std::string> seen;
        for (const fs::path &dir : cases) {
            const std::string name = dir.filename().string();
            if (!filter.empty() && name.find(filter) == std::string::npos)
                continue;
            seen.insert(name);
            onnx::ModelProto model;
            if (!model.ParseFromString(read_bytes(dir / "model.onnx")) || !claimed(model)) {
                ++unclaimed;
                if (skips.count(name)) {
                    fmt::print("FAIL {}: listed in the skip list, but its ops are not claimed "
                               "(remove the line)\n", name);
                    ++failed;
                }
                continue;
            }
            const std::string why = run_case(dir, *backend, rtol, atol);
            auto skip = skips.find(name);
            if (skip != skips.end()) {
                if (why.empty()) {
                    fmt::print("FAIL {}: listed in the skip list ({}) but passes; remove the "
                               "line\n", name, skip->second);
                    ++failed;
                } else {
                    ++skipped;
                    if (verbose)
                        fmt::print("skip {}: {} [{}]\n", name, skip->second, why);
                }
            } else if (why.empty()) {
                ++passed;
                if (verbose)
                    fmt::print("pass {}\n", name);
            } else {
                ++failed;
                fmt::print("FAIL {}: {}\n", name, why);
            }
        }
        if (filter.empty())
            for (const auto &[name, reason] : skips)
                if (!seen.count(name)) {
                    fmt::print("FAIL {}: listed in the skip list but not found\n", name);
                    ++failed;
                }
        fmt::print("{} passed, {} failed, {} skipped ({} cases of unclaimed ops not run; "
                   "backend {})\n",
                   passed, failed, skipped, unclaimed, backend->name());
        return failed == 0 ? 0 : 1;
    } catch (const std::exception &e) {
        fmt::print(stderr, "onnx-conformance: error: {}\n", e.what());
        return 2;
    }
}
