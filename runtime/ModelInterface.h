// The contract between a library's generated executor and the runtime linked into it: the
// executor describes the model (tensors at the boundary, arena size, weights) and provides the
// function that runs every kernel in order; the runtime implements the C ABI on top. Internal:
// users see only cnnc_runtime.h.
#pragma once

#include "runtime/cnnc_runtime.h"

#include <cstdint>

extern "C" {

// A tensor at the library boundary and where its standard-layout copy lives inside.
struct cnnc_model_tensor {
    const char *name;
    int32_t rank;
    int64_t dims[CNNC_MAX_RANK]; // logical (NCHW / C order)
    int32_t in_weights;          // 1: a constant, in the weights blob; 0: in the arena
    int64_t offset;              // bytes from the start of the arena or the weights
};

// One operand of a kernel as the executor passes it (see cnnc_operand_info).
struct cnnc_model_operand {
    int32_t in_weights; // 1: at `offset` in the weights blob; 0: in the arena
    int32_t rank;
    int64_t offset; // bytes
    int64_t extents[CNNC_MAX_RANK], strides[CNNC_MAX_RANK];
};

// One kernel call of the executor, callable alone (cnnc_run_kernel).
struct cnnc_model_kernel {
    const char *function, *algorithm;
    int64_t flops;
    int32_t num_operands; // inputs, then the output
    const cnnc_model_operand *operands;
    int (*call)(unsigned char *arena, const unsigned char *weights);
};

struct cnnc_model {
    const char *name;
    int32_t num_inputs, num_outputs;
    const cnnc_model_tensor *inputs, *outputs;
    int64_t arena_bytes;
    const unsigned char *weights;
    int32_t num_kernels;
    const char *const *kernel_names; // "%value = op (algorithm)", for error messages
    // Runs every kernel in order over `arena`; returns 0, or a Halide error code with the index
    // of the failing kernel in *failed.
    int (*run)(unsigned char *arena, const unsigned char *weights, int32_t *failed);
    const cnnc_model_kernel *kernels; // num_kernels entries, in execution order
};

// Defined by the generated executor.
const cnnc_model *cnnc_model_definition(void);
}
