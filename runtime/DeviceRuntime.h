// The device half of an instance (GPU libraries): its device arena, its device copy of the
// weights, and one Halide buffer per kernel operand viewing them, all made at creation so a run
// allocates nothing. Runtime.cpp calls these from the C ABI entry points; they return a cnnc
// status and leave the message with cnnc::runtime::fail.
#pragma once

#include "runtime/DeviceModel.h"
#include "runtime/ModelInterface.h"

struct cnnc_device_state;

namespace cnnc::runtime {

// Records a message for cnnc_last_error (printf-style); returns `status`.
int fail(int status, const char *format, ...);
// What Halide's runtime last reported on this thread ("" if nothing).
const char *halide_message();
void clear_halide_message();

// Allocates and uploads; on failure nothing is left allocated.
int device_create(const cnnc_device_model &dm, const cnnc_model &m, cnnc_device_state **state);
void device_destroy(cnnc_device_state *state);
// Host NCHW buffers in, host NCHW buffers out (sizes already checked); `staging` is the host
// arena, used at the boundary tensors' offsets. With `phase_ms` (cnnc_run_profiled: num_kernels
// + 2 entries) the kernels run one at a time, each waited for, and the times of the input copies,
// each kernel and the output copies are stored there.
int device_run_host(cnnc_device_state *state, const cnnc_model &m, unsigned char *staging,
                    const float *const *inputs, float *const *outputs, double *phase_ms = nullptr);
int device_run_device(cnnc_device_state *state, const cnnc_model &m, const uint64_t *inputs,
                      const uint64_t *outputs);

// Kernels one at a time (cnnc_set_operand / cnnc_get_operand / cnnc_run_kernel): the host arena
// `staging` mirrors the device arena at the same offsets, so an operand's bytes move between the
// two as one span. Arguments are checked by the caller; the operand is not a constant.
int device_download_operand(cnnc_device_state *state, const cnnc_model &m, int32_t kernel, int32_t operand,
                            unsigned char *staging);
int device_upload_operand(cnnc_device_state *state, const cnnc_model &m, int32_t kernel, int32_t operand,
                          unsigned char *staging);
// Runs one kernel on the device buffers and waits for it, so the call can be timed.
int device_run_kernel(cnnc_device_state *state, const cnnc_model &m, int32_t kernel);

} // namespace cnnc::runtime
