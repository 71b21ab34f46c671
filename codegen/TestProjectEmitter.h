// `cnnc compile MODEL --emit-tests DIR`: a standalone CMake + doctest project that checks a
// compiled library on its own, wherever it is deployed (no cnnc, Halide or LLVM needed there):
// one test per distinct kernel (stored random inputs, run alone through cnnc_run_kernel, against
// the reference interpreter's output for the same fused op) and one for the whole model (stored
// NCHW inputs through cnnc_run, against the reference run of the model as loaded, before any
// pass). The library and its headers are copied into DIR/lib, the data lies in DIR/data as .npy,
// so `cmake -S DIR -B DIR/build && cmake --build DIR/build && ctest --test-dir DIR/build` passes
// on its own. Tolerance: max |got - want| <= 1e-4 x max |want| per output, as test-kernels.
#pragma once

#include "codegen/KernelSignature.h"
#include "ir/Graph.h"

#include <cstdint>
#include <string>

namespace cnnc::codegen {

// `library_path` was compiled by compile_model from `compiled` for `target`; `loaded` is the
// model before passes (its outputs are the expected ones).
void emit_test_project(const ir::Graph &loaded, const ir::Graph &compiled, const std::string &library_path,
                       const TargetInfo &target, const std::string &dir, uint64_t seed = 1);

} // namespace cnnc::codegen
