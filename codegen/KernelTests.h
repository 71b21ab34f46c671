// What checking generated kernels one at a time needs from the compiler side: for each distinct
// kernel of a planned model, seeded random inputs and the reference interpreter's output for the
// same fused op (epilogue included), both in the layout the kernel reads and writes. The data is
// stored as .npy files for a process that links only cnnc's runtime (cnnc-run, or a project from
// `cnnc compile --emit-tests`) to run the kernel on; `cnnc test-kernels` compares what comes back.
//
// Inputs: every non-constant operand gets uniform values in [-1, 1) with one element in eight
// scaled by 8, so signs mix, ReLU/clip bounds are crossed and padding borders see large values;
// shapes are the kernel's own (odd sizes, uneven padding come from the model). Constant operands
// (weights, folded BN, biases) are the model's, packed in the library as the kernel reads them.
//
// Layout on disk: an operand's data is dense in the kernel's dim order (Halide's, innermost
// first), so the .npy's shape is the extents reversed; the runtime scatters it by the operand's
// strides (cnnc_set_operand). DIR/kernels.txt lists one case per line:
//   <kernel index> <function> <output operand> <input operand>...
// with DIR/kernel-<index>/in<operand>.npy, expected.npy, and out.npy written by the runner.
#pragma once

#include "codegen/ExecutorGenerator.h"
#include "ir/Tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::codegen {

struct KernelCase {
    int kernel = 0;        // index in the library's execution order (its first call)
    int calls = 0;         // how many calls of the model run this compiled kernel
    std::string function;  // cnnc_k_<hash>: the runner checks the library agrees
    std::string algorithm;
    std::string workload;  // a short human reading of the signature: op, shapes, attributes
    std::vector<std::pair<int, ir::Tensor>> inputs; // operand index -> data (kernel dim order)
    int output_operand = 0;
    ir::Tensor expected; // the reference result, in the kernel's output dim order
};

// One case per distinct compiled kernel of `plan`, in execution order of first use.
std::vector<KernelCase> make_kernel_cases(const ir::Graph &g, const ModelPlan &plan, uint64_t seed);

// Writes the cases' inputs, expected outputs and DIR/kernels.txt (creating DIR).
void write_kernel_cases(const std::vector<KernelCase> &cases, const std::string &dir);
// Where the runner leaves a case's output.
std::string kernel_output_path(const std::string &dir, const KernelCase &c);

// The project's standard: an output passes when max |got - want| <= tolerance * max |want|.
constexpr double kernel_tolerance = 1e-4;

struct Comparison {
    double max_abs = 0; // max |got - want|
    double max_rel = 0; // max_abs / max |want| (NaN anywhere: infinite)
    bool pass = false;
};
Comparison compare_outputs(const std::vector<float> &got, const std::vector<float> &want,
                           double tolerance = kernel_tolerance);

// Seeded inputs as above for a tensor of `type` (also used for whole-model test inputs).
ir::Tensor random_test_tensor(const ir::TensorType &type, uint64_t seed);

} // namespace cnnc::codegen
