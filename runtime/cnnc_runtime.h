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
    CNNC_ERROR_KERNEL_FAILED = 3 /* a generated kernel reported an error (a bug in cnnc) */
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

/* The message of the last error on this thread ("" if none). Valid until the next call. */
const char *cnnc_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* CNNC_RUNTIME_H */
