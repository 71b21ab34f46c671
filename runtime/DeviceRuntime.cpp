// Device memory of GPU instances (see DeviceRuntime.h), through the device-independent half of
// Halide's runtime (halide_device_malloc, halide_device_crop, halide_copy_to_device, ...) that
// every library embeds; the CUDA or OpenCL specifics come from the executor's table.
//
// How kernels see memory: each operand is a halide_buffer_t with no host pointer whose device
// handle aliases its place in the arena or the weights (a crop, made once). A GPU pipeline given
// a buffer with a device allocation and a clean host copies nothing, so consecutive kernels hand
// data over in device memory. The missing host pointer is deliberate: a stage that ran on the
// host would fail loudly instead of reading stale memory.
#include "runtime/DeviceRuntime.h"

#include <HalideRuntime.h>

#include <chrono>
#include <cstring>
#include <new>
#include <vector>

struct cnnc_device_state {
    const cnnc_device_model *dm = nullptr;
    const halide_device_interface_t *api = nullptr;
    halide_dimension_t arena_dim{}, weights_dim{};
    halide_buffer_t arena{}, weights{};
    // Per operand: the 1-D crop owning the alias, then the kernel's view of it.
    std::vector<halide_dimension_t> crop_dims, dims;
    std::vector<halide_buffer_t> crops, views;
    std::vector<halide_buffer_t *> view_pointers;
    // The crops of the graph inputs' and outputs' places in the arena.
    std::vector<halide_dimension_t> boundary_dims;
    std::vector<halide_buffer_t> boundary;
};

namespace cnnc::runtime {

namespace {

const char *api_name(int32_t api) { return api == CNNC_DEVICE_CUDA ? "CUDA" : "OpenCL"; }

void bytes_buffer(halide_buffer_t &b, halide_dimension_t &dim, int64_t min, int64_t bytes, unsigned char *host) {
    b = halide_buffer_t{};
    dim = halide_dimension_t(static_cast<int32_t>(min), static_cast<int32_t>(bytes), 1);
    b.host = host;
    b.type = halide_type_t(halide_type_uint, 8, 1);
    b.dimensions = 1;
    b.dim = &dim;
}

int64_t span_bytes(const cnnc_device_operand &o) {
    int64_t last = 0;
    for (int32_t d = 0; d < o.rank; ++d) last += (o.extents[d] - 1) * o.strides[d];
    return (last + 1) * static_cast<int64_t>(sizeof(float));
}

int64_t tensor_bytes(const cnnc_model_tensor &t) {
    int64_t n = 1;
    for (int32_t d = 0; d < t.rank; ++d) n *= t.dims[d];
    return n * static_cast<int64_t>(sizeof(float));
}

// A crop of `base` (1-D bytes) covering [offset, offset + bytes).
int crop(cnnc_device_state &s, halide_buffer_t &base, int64_t offset, int64_t bytes, halide_buffer_t &into,
         halide_dimension_t &dim) {
    bytes_buffer(into, dim, offset, bytes > 0 ? bytes : 1, nullptr);
    return halide_device_crop(nullptr, &base, &into);
}

void release(cnnc_device_state *s) {
    for (halide_buffer_t &b : s->crops)
        if (b.device) halide_device_release_crop(nullptr, &b);
    for (halide_buffer_t &b : s->boundary)
        if (b.device) halide_device_release_crop(nullptr, &b);
    if (s->arena.device) halide_device_free(nullptr, &s->arena);
    if (s->weights.device) halide_device_free(nullptr, &s->weights);
    delete s;
}

int device_error(const cnnc_device_state &s, const char *what, int status) {
    return fail(CNNC_ERROR_DEVICE, "%s on %s failed (Halide error %d): %s", what, api_name(s.dm->api), status,
                halide_message());
}

} // namespace

int device_create(const cnnc_device_model &dm, const cnnc_model &m, cnnc_device_state **out) {
    auto *s = new (std::nothrow) cnnc_device_state;
    if (!s) return fail(CNNC_ERROR_OUT_OF_MEMORY, "cnnc_create: out of memory");
    s->dm = &dm;
    s->api = dm.device_interface();
    clear_halide_message();
    // Freed intermediate device buffers are kept for reuse rather than returned to the driver.
    halide_reuse_device_allocations(nullptr, true);
    bytes_buffer(s->arena, s->arena_dim, 0, m.arena_bytes > 0 ? m.arena_bytes : 64, nullptr);
    if (int status = halide_device_malloc(nullptr, &s->arena, s->api)) {
        // The first device call: where a missing driver or platform shows, so say what to check.
        const int code = fail(CNNC_ERROR_DEVICE,
                              "cnnc_create: allocating the device arena on %s failed (Halide error %d): %s; is the %s "
                              "driver installed and visible (%s)?",
                              api_name(dm.api), status, halide_message(), api_name(dm.api),
                              dm.api == CNNC_DEVICE_CUDA ? "libcuda.so.1, CUDA_VISIBLE_DEVICES"
                                                         : "an ICD in /etc/OpenCL/vendors or OCL_ICD_VENDORS, "
                                                           "HL_OCL_PLATFORM_NAME, HL_OCL_DEVICE_TYPE");
        release(s);
        return code;
    }
    bytes_buffer(s->weights, s->weights_dim, 0, dm.weights_bytes > 0 ? dm.weights_bytes : 64,
                 const_cast<unsigned char *>(m.weights));
    if (int status = halide_device_malloc(nullptr, &s->weights, s->api)) {
        const int code = device_error(*s, "cnnc_create: allocating device memory for the weights", status);
        release(s);
        return code;
    }
    if (dm.weights_bytes > 0) {
        s->weights.flags |= halide_buffer_flag_host_dirty;
        if (int status = halide_copy_to_device(nullptr, &s->weights, s->api)) {
            const int code = device_error(*s, "cnnc_create: uploading the weights", status);
            release(s);
            return code;
        }
    }
    // The weights' host pointer is the library's read-only blob: never copy back into it.
    s->weights.host = nullptr;
    const int32_t count = dm.num_operands;
    s->crop_dims.resize(static_cast<size_t>(count));
    s->crops.resize(static_cast<size_t>(count));
    s->dims.resize(static_cast<size_t>(count) * CNNC_MAX_RANK);
    s->views.resize(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) {
        const cnnc_device_operand &o = dm.operands[i];
        halide_buffer_t &c = s->crops[static_cast<size_t>(i)];
        if (int status = crop(*s, o.in_weights ? s->weights : s->arena, o.offset, span_bytes(o), c,
                              s->crop_dims[static_cast<size_t>(i)])) {
            const int code = device_error(*s, "cnnc_create: viewing device memory", status);
            release(s);
            return code;
        }
        halide_buffer_t &v = s->views[static_cast<size_t>(i)];
        v = halide_buffer_t{};
        v.device = c.device;
        v.device_interface = c.device_interface;
        v.type = halide_type_t(halide_type_float, 32, 1);
        v.dimensions = o.rank;
        v.dim = &s->dims[static_cast<size_t>(i) * CNNC_MAX_RANK];
        for (int32_t d = 0; d < o.rank; ++d)
            v.dim[d] = halide_dimension_t(0, static_cast<int32_t>(o.extents[d]), static_cast<int32_t>(o.strides[d]));
    }
    for (halide_buffer_t &v : s->views) s->view_pointers.push_back(&v);
    const size_t boundary = static_cast<size_t>(m.num_inputs + m.num_outputs);
    s->boundary.resize(boundary);
    s->boundary_dims.resize(boundary);
    for (size_t i = 0; i < boundary; ++i) {
        const bool input = i < static_cast<size_t>(m.num_inputs);
        const cnnc_model_tensor &t = input ? m.inputs[i] : m.outputs[i - static_cast<size_t>(m.num_inputs)];
        if (t.in_weights) continue; // a constant output: read from the host blob
        if (int status = crop(*s, s->arena, t.offset, tensor_bytes(t), s->boundary[i], s->boundary_dims[i])) {
            const int code = device_error(*s, "cnnc_create: viewing device memory", status);
            release(s);
            return code;
        }
    }
    *out = s;
    return CNNC_OK;
}

void device_destroy(cnnc_device_state *state) {
    if (state) release(state);
}

namespace {

int run_kernels(cnnc_device_state *s, const cnnc_model &m) {
    int32_t failed = -1;
    if (const int status = s->dm->run(s->view_pointers.data(), &failed); status != 0) {
        const char *which = failed >= 0 && failed < m.num_kernels ? m.kernel_names[failed] : "?";
        return fail(CNNC_ERROR_KERNEL_FAILED, "cnnc_run: kernel %d (%s) failed with Halide error %d: %s", failed,
                    which, status, halide_message());
    }
    return CNNC_OK;
}

// A host (or caller's device) buffer over the same bytes as boundary crop `c`.
halide_buffer_t alias(const halide_buffer_t &c, halide_dimension_t &dim, unsigned char *host) {
    halide_buffer_t b;
    bytes_buffer(b, dim, 0, c.dim[0].extent, host);
    b.device = c.device;
    b.device_interface = c.device_interface;
    return b;
}

} // namespace

int device_run_host(cnnc_device_state *s, const cnnc_model &m, unsigned char *staging, const float *const *inputs,
                    float *const *outputs, double *phase_ms) {
    clear_halide_message();
    // Profiled: each step waits for the device before the clock is read (launches and copies are
    // asynchronous), so a phase is that step's own time, not whatever the queue had left.
    using Clock = std::chrono::steady_clock;
    Clock::time_point mark = phase_ms ? Clock::now() : Clock::time_point{};
    auto lap = [&](int32_t phase) -> int {
        if (int status = halide_device_sync(nullptr, &s->arena))
            return device_error(*s, "cnnc_run_profiled: waiting for the device", status);
        const Clock::time_point now = Clock::now();
        phase_ms[phase] = std::chrono::duration<double, std::milli>(now - mark).count();
        mark = now;
        return CNNC_OK;
    };
    for (int32_t i = 0; i < m.num_inputs; ++i) {
        const cnnc_model_tensor &t = m.inputs[i];
        std::memcpy(staging + t.offset, inputs[i], static_cast<size_t>(tensor_bytes(t)));
        halide_dimension_t dim;
        halide_buffer_t b = alias(s->boundary[static_cast<size_t>(i)], dim, staging + t.offset);
        b.flags |= halide_buffer_flag_host_dirty;
        if (int status = halide_copy_to_device(nullptr, &b, s->api))
            return device_error(*s, "cnnc_run: copying an input to the device", status);
    }
    if (!phase_ms) {
        if (int status = run_kernels(s, m)) return status;
    } else {
        if (int status = lap(0)) return status;
        for (int32_t k = 0; k < m.num_kernels; ++k) {
            if (int status = device_run_kernel(s, m, k)) return status;
            if (int status = lap(1 + k)) return status;
        }
    }
    for (int32_t i = 0; i < m.num_outputs; ++i) {
        const cnnc_model_tensor &t = m.outputs[i];
        if (t.in_weights) {
            std::memcpy(outputs[i], m.weights + t.offset, static_cast<size_t>(tensor_bytes(t)));
            continue;
        }
        halide_dimension_t dim;
        halide_buffer_t b = alias(s->boundary[static_cast<size_t>(m.num_inputs + i)], dim, staging + t.offset);
        b.flags |= halide_buffer_flag_device_dirty;
        if (int status = halide_copy_to_host(nullptr, &b))
            return device_error(*s, "cnnc_run: copying an output from the device", status);
        std::memcpy(outputs[i], staging + t.offset, static_cast<size_t>(tensor_bytes(t)));
    }
    return phase_ms ? lap(1 + m.num_kernels) : CNNC_OK;
}

int device_run_device(cnnc_device_state *s, const cnnc_model &m, const uint64_t *inputs, const uint64_t *outputs) {
    clear_halide_message();
    // Copies between the caller's buffer `handle` and boundary crop `c`, either way.
    auto copy = [&](uint64_t handle, halide_buffer_t &c, bool in) -> int {
        halide_dimension_t user_dim, arena_dim;
        halide_buffer_t user;
        bytes_buffer(user, user_dim, 0, c.dim[0].extent, nullptr);
        if (int status = s->dm->wrap(nullptr, &user, handle)) return device_error(*s, "cnnc_run_device: wrapping a caller's buffer", status);
        halide_buffer_t arena = alias(c, arena_dim, nullptr);
        arena.dim[0].min = 0;
        const int status = in ? halide_buffer_copy(nullptr, &user, s->api, &arena) : halide_buffer_copy(nullptr, &arena, s->api, &user);
        s->dm->detach(nullptr, &user);
        return status ? device_error(*s, in ? "cnnc_run_device: copying an input" : "cnnc_run_device: copying an output", status)
                      : CNNC_OK;
    };
    for (int32_t i = 0; i < m.num_inputs; ++i)
        if (int status = copy(inputs[i], s->boundary[static_cast<size_t>(i)], true)) return status;
    if (int status = run_kernels(s, m)) return status;
    for (int32_t i = 0; i < m.num_outputs; ++i) {
        if (m.outputs[i].in_weights)
            return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run_device: output %d (%s) is a constant; use cnnc_run", i,
                        m.outputs[i].name);
        if (int status = copy(outputs[i], s->boundary[static_cast<size_t>(m.num_inputs + i)], false)) return status;
    }
    return CNNC_OK;
}

namespace {

// The position of (kernel, operand) in the executor's operand table: kernels' operands in order.
size_t operand_index(const cnnc_model &m, int32_t kernel, int32_t operand) {
    size_t index = 0;
    for (int32_t k = 0; k < kernel; ++k) index += static_cast<size_t>(m.kernels[k].num_operands);
    return index + static_cast<size_t>(operand);
}

// Copies one arena operand's span between the device and `staging` at the same offset.
int move_operand(cnnc_device_state *s, const cnnc_model &m, int32_t kernel, int32_t operand, unsigned char *staging,
                 bool to_device) {
    clear_halide_message();
    const cnnc_model_operand &o = m.kernels[kernel].operands[operand];
    halide_dimension_t dim;
    halide_buffer_t b = alias(s->crops[operand_index(m, kernel, operand)], dim, staging + o.offset);
    b.flags |= to_device ? halide_buffer_flag_host_dirty : halide_buffer_flag_device_dirty;
    const int status = to_device ? halide_copy_to_device(nullptr, &b, s->api) : halide_copy_to_host(nullptr, &b);
    return status ? device_error(*s, to_device ? "cnnc_set_operand: copying an operand to the device"
                                               : "cnnc_get_operand: copying an operand from the device",
                                 status)
                  : CNNC_OK;
}

} // namespace

int device_download_operand(cnnc_device_state *s, const cnnc_model &m, int32_t kernel, int32_t operand,
                            unsigned char *staging) {
    return move_operand(s, m, kernel, operand, staging, false);
}

int device_upload_operand(cnnc_device_state *s, const cnnc_model &m, int32_t kernel, int32_t operand,
                          unsigned char *staging) {
    return move_operand(s, m, kernel, operand, staging, true);
}

int device_run_kernel(cnnc_device_state *s, const cnnc_model &m, int32_t kernel) {
    clear_halide_message();
    halide_buffer_t *const *operands = &s->view_pointers[operand_index(m, kernel, 0)];
    if (int status = s->dm->run_kernel(kernel, operands))
        return fail(CNNC_ERROR_KERNEL_FAILED, "cnnc_run_kernel: kernel %d (%s) failed with Halide error %d: %s",
                    kernel, m.kernel_names[kernel], status, halide_message());
    // Launches are asynchronous: wait on the output, so a caller's timer measures the kernel.
    halide_buffer_t *output = operands[m.kernels[kernel].num_operands - 1];
    if (int status = halide_device_sync(nullptr, output))
        return device_error(*s, "cnnc_run_kernel: waiting for the kernel", status);
    return CNNC_OK;
}

} // namespace cnnc::runtime
