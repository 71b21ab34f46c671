/* The C ABI of a library compiled by cnnc (libNAME.so). One library holds one model; an instance
 * owns the activation memory (its arena) for one run at a time, and instances are independent, so
 * several threads may each run their own instance concurrently. Tensors cross the boundary as
 * dense NCHW (C order) float buffers owned by the caller.
 *
 * Every function returns CNNC_OK (0) or an error code, and never throws or aborts; after an
 * error, cnnc_last_error() describes it (per thread). */
#ifndef CNNC_RUNTIME_H
#define CNNC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNNC_ABI_VERSION 1
#define CNNC_MAX_RANK 8

typedef enum cnnc_status {
    CNNC_OK = 0,
    CNNC_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, a bad index, a buffer of the wrong size */
    CNNC_ERROR_OUT_OF_MEMORY = 2,
    CNNC_ERROR_KERNEL_FAILED = 3, /* a generated kernel reported an error (a bug in cnnc) */
    CNNC_ERROR_DEVICE = 4 /* the GPU runtime failed: no CUDA driver or OpenCL platform, or a device
                             allocation or copy failed (cnnc_last_error says which) */
} cnnc_status;

typedef enum cnnc_dtype { CNNC_F32 = 0 } cnnc_dtype;

typedef struct cnnc_tensor_info {
    const char *name; /* the IR value's name, without '%'; valid while the library is loaded */
    int32_t dtype;    /* a cnnc_dtype */
    int32_t rank;
    int64_t dims[CNNC_MAX_RANK];
    int64_t num_elements;
} cnnc_tensor_info;

typedef struct cnnc_instance cnnc_instance;

int32_t cnnc_abi_version(void);
/* The model's name (the graph's name); never null. */
const char *cnnc_model_name(void);

int cnnc_num_inputs(int32_t *count);
int cnnc_num_outputs(int32_t *count);
int cnnc_input_info(int32_t index, cnnc_tensor_info *info);
int cnnc_output_info(int32_t index, cnnc_tensor_info *info);
/* The index of the input or output called `name`; CNNC_ERROR_INVALID_ARGUMENT if none is. */
int cnnc_input_index(const char *name, int32_t *index);
int cnnc_output_index(const char *name, int32_t *index);

/* Allocates an instance and its arena. */
int cnnc_create(cnnc_instance **instance);
/* Frees an instance; null is allowed and does nothing. */
int cnnc_destroy(cnnc_instance *instance);

/* Runs the model once. inputs[i] / outputs[i] point to dense NCHW buffers of input_sizes[i] /
 * output_sizes[i] floats, which must equal the tensors' num_elements. */
int cnnc_run(cnnc_instance *instance, const float *const *inputs, const int64_t *input_sizes,
             float *const *outputs, const int64_t *output_sizes);

/* ---- GPU libraries (compiled with --target host-cuda or host-opencl) ------------------------
 * cnnc_create allocates the instance's activation arena in device memory and uploads the weights
 * there once; if the device runtime is missing (no CUDA driver, no OpenCL platform) it fails with
 * CNNC_ERROR_DEVICE and cnnc_last_error() says why. cnnc_run then copies host inputs in and
 * outputs out around the kernels, allocating nothing. cnnc_run_device takes device buffers
 * instead, so data can stay on the GPU between runs. */

typedef enum cnnc_device { CNNC_DEVICE_HOST = 0, CNNC_DEVICE_CUDA = 1, CNNC_DEVICE_OPENCL = 2 } cnnc_device;

/* Where the library runs its kernels: a cnnc_device. */
int32_t cnnc_device_api(void);
/* The API context the library's kernels run in: a CUcontext (CUDA; *queue is 0), or a cl_context
 * and its cl_command_queue (OpenCL). Device buffers given to cnnc_run_device must belong to it. */
int cnnc_device_context(uint64_t *context, uint64_t *queue);
/* Runs the model on device buffers: inputs[i] / outputs[i] are CUdeviceptr (CUDA) or cl_mem
 * (OpenCL) handles of at least num_elements floats, dense NCHW, as with cnnc_run. The inputs are
 * copied device-to-device into the arena and the outputs out of it; nothing touches the host.
 * CNNC_ERROR_INVALID_ARGUMENT on a CPU library. */
int cnnc_run_device(cnnc_instance *instance, const uint64_t *inputs, const uint64_t *outputs);

/* ---- Kernels, one at a time: for checking and profiling generated code ------------------------
 * (`cnnc test-kernels`, `cnnc bench --per-layer`, a project from `cnnc compile --emit-tests`.)
 * A library runs its kernels in a fixed order over an instance's arena; cnnc_run is exactly the
 * inputs written, kernels 0..count-1 run, the outputs read. Each kernel reads its operands and
 * writes one output, described as Halide buffers (dims innermost first, strides in elements).
 * Operand data crosses the boundary densely in that dim order (the innermost dim varies fastest),
 * not as NCHW: these calls expose the library's internal layouts on purpose.
 * On a GPU library the operands live in the instance's device arena: cnnc_set_operand and
 * cnnc_get_operand copy through the host, and cnnc_run_kernel waits for the kernel to finish. */

typedef struct cnnc_kernel_info {
    const char *name;      /* "%value = op (algorithm)"; valid while the library is loaded */
    const char *function;  /* the compiled kernel's symbol: kernels with one workload share it */
    const char *algorithm; /* conv-direct, conv-gemm-1x1, pointwise op names, ... */
    int64_t flops;         /* floating-point operations per call (a multiply-add counts 2) */
    int32_t num_operands;  /* the inputs, then the output (always the last operand) */
} cnnc_kernel_info;

typedef struct cnnc_operand_info {
    int32_t is_constant; /* 1: read from the library's weights (read-only), 0: in the arena */
    int32_t rank;
    int64_t extents[CNNC_MAX_RANK]; /* innermost first */
    int64_t strides[CNNC_MAX_RANK]; /* in elements */
    int64_t num_elements;           /* the product of the extents */
} cnnc_operand_info;

int cnnc_num_kernels(int32_t *count);
int cnnc_get_kernel_info(int32_t kernel, cnnc_kernel_info *info);
int cnnc_get_operand_info(int32_t kernel, int32_t operand, cnnc_operand_info *info);
/* Writes `size` (= num_elements) floats, dense in the operand's dim order, where the kernel
 * reads the operand in this instance's arena. A constant operand cannot be written. */
int cnnc_set_operand(cnnc_instance *instance, int32_t kernel, int32_t operand, const float *data,
                     int64_t size);
/* Reads an operand (after cnnc_run_kernel, the output is operand num_operands - 1). */
int cnnc_get_operand(cnnc_instance *instance, int32_t kernel, int32_t operand, float *data,
                     int64_t size);
/* Runs one kernel on whatever the instance's arena holds. Other kernels' data may be overwritten
 * only where their liveness allows (as in cnnc_run). */
int cnnc_run_kernel(cnnc_instance *instance, int32_t kernel);

/* Runs the model exactly as cnnc_run does (same arguments, same errors) and says where the time
 * went, from a steady clock read between consecutive steps of this one run, in milliseconds:
 * phase_ms[0] converting the inputs from NCHW, phase_ms[1 + k] kernel k (k < cnnc_num_kernels),
 * phase_ms[1 + count] converting the outputs to NCHW; num_phases must be count + 2. The phases
 * add up to the run but for the argument checks. On a GPU library phase 0 and the last are the
 * copies to and from the device, and the kernels run one at a time, each waited for (launches
 * are asynchronous), so the phases are the kernels' own times. */
int cnnc_run_profiled(cnnc_instance *instance, const float *const *inputs, const int64_t *input_sizes,
                      float *const *outputs, const int64_t *output_sizes, double *phase_ms,
                      int32_t num_phases);

/* The message of the last error on this thread ("" if none). Valid until the next call. */
const char *cnnc_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* CNNC_RUNTIME_H */
