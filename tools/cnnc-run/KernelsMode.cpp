// `cnnc-run kernels LIB DIR`: runs single kernels of a library on stored inputs, for
// `cnnc test-kernels` (the case files are described in codegen/KernelTests.h). For each line of
// DIR/kernels.txt it writes the kernel's input operands into one instance's arena, runs that
// kernel alone and stores its output as DIR/kernel-<index>/out.npy, dense in the kernel's dim
// order, or the kernel's error message as error.txt. It judges nothing: that is the caller's.
#include "ir/Error.h"
#include "ir/FileIO.h"
#include "ir/Npy.h"
#include "runtime/Loader.h"
#include "tools/cnnc-run/Modes.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sstream>

namespace cnnc::runner {

namespace {

struct Case {
    int kernel = 0;
    std::string function;
    int output = 0;
    std::vector<int> inputs;
};

std::vector<Case> read_manifest(const std::string &path) {
    std::vector<Case> cases;
    std::istringstream lines(read_file(path));
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        Case c;
        if (!(fields >> c.kernel >> c.function >> c.output)) user_error("{}:{}: expected INDEX FUNCTION OUTPUT [INPUT...]", path, number);
        for (int operand; fields >> operand;) c.inputs.push_back(operand);
        cases.push_back(std::move(c));
    }
    return cases;
}

ir::TensorType view_type(const OperandInfo &o) {
    ir::Dims dims(o.extents.rbegin(), o.extents.rend());
    if (dims.empty()) dims.push_back(1);
    return {ir::DType::f32, dims};
}

int run(const std::string &library, const std::string &dir) {
    runtime::Library lib(library);
    const Model model(lib.api());
    const auto &kernels = model.kernels();
    Instance instance(model);
    const std::vector<Case> cases = read_manifest(dir + "/kernels.txt");
    for (const Case &c : cases) {
        if (c.kernel < 0 || c.kernel >= static_cast<int>(kernels.size()))
            user_error("{}: kernel {} does not exist (the library has {})", library, c.kernel, kernels.size());
        const KernelInfo &k = kernels[static_cast<size_t>(c.kernel)];
        // The cases were planned from a model: they must describe this very library.
        if (k.function != c.function)
            user_error("{}: kernel {} is {}, the test cases expect {} (a different model or build?)", library, c.kernel,
                       k.function, c.function);
        const std::string folder = fmt::format("{}/kernel-{}", dir, c.kernel);
        // A kernel that reports an error (Halide's bounds checks, say) is that kernel's failure,
        // not the run's: its message goes to error.txt and the other kernels still run.
        try {
            for (int operand : c.inputs) {
                const std::string path = fmt::format("{}/in{}.npy", folder, operand);
                const ir::Tensor t = ir::read_npy(path);
                instance.set_operand(c.kernel, operand, t.data);
            }
            instance.run_kernel(c.kernel);
            const OperandInfo &out = k.operands.at(static_cast<size_t>(c.output));
            ir::write_npy(folder + "/out.npy", ir::Tensor(view_type(out), instance.get_operand(c.kernel, c.output)));
        } catch (const cnnc::Error &e) {
            write_file_atomically(folder + "/error.txt", e.what());
        }
    }
    return 0;
}

} // namespace

int kernels_main(int argc, char **argv) {
    CLI::App app{"cnnc-run kernels: run single kernels of a library on stored inputs", "cnnc-run kernels"};
    std::string library, dir;
    app.add_option("library", library, "A model library (libNAME.so) from `cnnc compile`")->required();
    app.add_option("dir", dir, "A folder of test cases (kernels.txt, kernel-<index>/in<operand>.npy)")->required();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    }
    return run(library, dir);
}

} // namespace cnnc::runner
