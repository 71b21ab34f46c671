// The contract between the executor generated for a GPU target and the runtime: where every
// operand of every kernel call lies in the instance's device arena or device weights, the
// function that runs the kernels on those buffers, and the target's device API entry points
// (taken from the Halide runtime embedded in the library, so this runtime never names CUDA or
// OpenCL itself). A CPU library's executor defines cnnc_device_model_definition() to return
// null. Internal: users see only cnnc_runtime.h.
#pragma once

#include "runtime/cnnc_runtime.h"

#include <cstdint>

struct halide_buffer_t;
struct halide_device_interface_t;

extern "C" {

// One operand of one kernel call: a view of device memory, as Halide describes a buffer.
struct cnnc_device_operand {
    int32_t in_weights; // 1: in the device copy of the weights blob; 0: in the device arena
    int32_t rank;
    int64_t offset; // bytes
    int64_t extents[CNNC_MAX_RANK], strides[CNNC_MAX_RANK];
};

struct cnnc_device_model {
    int32_t api;           // a cnnc_device (CUDA or OpenCL)
    int64_t weights_bytes; // the size of the weights blob uploaded at instance creation
    int32_t num_operands;
    const cnnc_device_operand *operands; // every kernel call's inputs then output, in call order
    // Runs every kernel in order; buffers[i] describes operands[i]. Returns 0 or a Halide error
    // with the failing kernel's index in *failed.
    int (*run)(halide_buffer_t *const *buffers, int32_t *failed);
    const halide_device_interface_t *(*device_interface)(void);
    // Wraps a caller's device handle (CUdeviceptr or cl_mem) into a buffer, and undoes it.
    int (*wrap)(void *user_context, halide_buffer_t *buffer, uint64_t handle);
    int (*detach)(void *user_context, halide_buffer_t *buffer);
    // The API context the kernels run in (CUcontext, or cl_context and its cl_command_queue).
    int (*context)(uint64_t *context, uint64_t *queue);
    // Runs kernel `kernel` alone (cnnc_run_kernel); buffers[0] describes its first operand, the
    // operands following in order, as in `run`. Returns 0 or a Halide error.
    int (*run_kernel)(int32_t kernel, halide_buffer_t *const *buffers);
};

// Defined by the generated executor (null for a CPU library).
const cnnc_device_model *cnnc_device_model_definition(void);
}
