// The C ABI of a compiled library (cnnc_runtime.h), implemented over the model the generated
// executor defines (ModelInterface.h). Linked into every libNAME.so as a position-independent
// static library. Nothing here throws across the boundary: every entry point catches, records a
// per-thread message and returns a status. Inputs are converted from NCHW into the standard
// (channels-innermost) layout in the instance's arena, outputs back, so users only see NCHW.
#include "runtime/DeviceRuntime.h"
#include "runtime/ModelInterface.h"
#include "runtime/SpinningThreadPool.h"

#include <HalideRuntime.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

struct cnnc_instance {
    unsigned char *arena = nullptr;
    cnnc_device_state *device = nullptr; // GPU libraries: device arena and weights
};

namespace {

thread_local std::string last_error;
// What Halide's runtime reported on this thread during the current run (see halide_error).
thread_local std::string kernel_message;

// One definition of fail (below, in cnnc::runtime) for this file and the device runtime.
using cnnc::runtime::fail;

const cnnc_model &model() { return *cnnc_model_definition(); }

int64_t num_elements(const cnnc_model_tensor &t) {
    int64_t n = 1;
    for (int32_t d = 0; d < t.rank; ++d) n *= t.dims[d];
    return n;
}

std::string shape_text(const cnnc_model_tensor &t) {
    std::string s = "f32[";
    for (int32_t d = 0; d < t.rank; ++d) s += (d ? "," : "") + std::to_string(t.dims[d]);
    return s + "]";
}

void fill_info(const cnnc_model_tensor &t, cnnc_tensor_info *info) {
    std::memset(info, 0, sizeof *info);
    info->name = t.name;
    info->dtype = CNNC_F32;
    info->rank = t.rank;
    for (int32_t d = 0; d < t.rank; ++d) info->dims[d] = t.dims[d];
    info->num_elements = num_elements(t);
}

// NCHW <-> NHWC for 4-D tensors; other ranks are stored in C order already. One loop nest for
// both directions: element (b, ch, p) sits at (b*c + ch)*hw + p in NCHW, (b*hw + p)*c + ch in NHWC.
struct LayoutJob {
    const cnnc_model_tensor *t;
    const float *from;
    float *to;
    bool to_standard;
    int64_t pixels_per_task;
};

// One task converts a range of pixels of every image and channel.
int convert_pixels(void *, int task, uint8_t *closure) {
    const LayoutJob &job = *reinterpret_cast<const LayoutJob *>(closure);
    const int64_t n = job.t->dims[0], c = job.t->dims[1], hw = job.t->dims[2] * job.t->dims[3];
    const int64_t begin = task * job.pixels_per_task, end = std::min(hw, begin + job.pixels_per_task);
    // RGB images, the usual input: a pixel's three values written together, so the output is one
    // sequential stream (1.5x faster on one core than three strided passes, 224x224).
    if (c == 3 && job.to_standard) {
        for (int64_t b = 0; b < n; ++b) {
            const float *red = job.from + b * 3 * hw, *green = red + hw, *blue = green + hw;
            float *out = job.to + b * hw * 3;
            for (int64_t p = begin; p < end; ++p) {
                out[3 * p] = red[p];
                out[3 * p + 1] = green[p];
                out[3 * p + 2] = blue[p];
            }
        }
        return 0;
    }
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch) {
            const int64_t planar = (b * c + ch) * hw, interleaved = b * hw * c + ch;
            for (int64_t p = begin; p < end; ++p) {
                if (job.to_standard)
                    job.to[interleaved + p * c] = job.from[planar + p];
                else
                    job.to[planar + p] = job.from[interleaved + p * c];
            }
        }
    return 0;
}

// A 224x224x3 input image is 0.6 MB each way, about 0.07 ms on one core (2% of MobileNet v2's
// run), so large tensors are converted in parallel on the kernels' threads.
void convert_layout(const cnnc_model_tensor &t, const float *from, float *to, bool to_standard) {
    if (t.rank != 4) {
        std::memcpy(to, from, static_cast<size_t>(num_elements(t)) * sizeof(float));
        return;
    }
    constexpr int64_t min_elements_per_task = 1 << 15;
    const int64_t hw = t.dims[2] * t.dims[3];
    const int64_t tasks = std::clamp<int64_t>(num_elements(t) / min_elements_per_task, 1, 16);
    LayoutJob job{&t, from, to, to_standard, (hw + tasks - 1) / tasks};
    if (tasks == 1)
        convert_pixels(nullptr, 0, reinterpret_cast<uint8_t *>(&job));
    else
        halide_do_par_for(nullptr, convert_pixels, 0, static_cast<int>(tasks), reinterpret_cast<uint8_t *>(&job));
}

void nchw_to_standard(const cnnc_model_tensor &t, const float *from, float *to) {
    convert_layout(t, from, to, true);
}

void standard_to_nchw(const cnnc_model_tensor &t, const float *from, float *to) {
    convert_layout(t, from, to, false);
}

int tensor_info(int32_t index, cnnc_tensor_info *info, bool input) {
    const cnnc_model &m = model();
    const int32_t count = input ? m.num_inputs : m.num_outputs;
    if (!info) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_%s_info: info is null", input ? "input" : "output");
    if (index < 0 || index >= count)
        return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_%s_info: index %d is out of range (the model has %d)",
                    input ? "input" : "output", index, count);
    fill_info((input ? m.inputs : m.outputs)[index], info);
    return CNNC_OK;
}

int tensor_index(const char *name, int32_t *index, bool input) {
    const cnnc_model &m = model();
    const char *what = input ? "input" : "output";
    if (!name || !index) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_%s_index: a null argument", what);
    const int32_t count = input ? m.num_inputs : m.num_outputs;
    for (int32_t i = 0; i < count; ++i)
        if (std::strcmp((input ? m.inputs : m.outputs)[i].name, name) == 0) {
            *index = i;
            return CNNC_OK;
        }
    return fail(CNNC_ERROR_INVALID_ARGUMENT, "the model has no %s named '%s'", what, name);
}

// The kernel `index`, or null after recording why (`who` names the entry point).
const cnnc_model_kernel *kernel_at(int32_t index, const char *who) {
    const cnnc_model &m = model();
    if (index < 0 || index >= m.num_kernels) {
        fail(CNNC_ERROR_INVALID_ARGUMENT, "%s: kernel %d is out of range (the model has %d)", who, index,
             m.num_kernels);
        return nullptr;
    }
    return &m.kernels[index];
}

const cnnc_model_operand *operand_at(int32_t kernel, int32_t operand, const char *who) {
    const cnnc_model_kernel *k = kernel_at(kernel, who);
    if (!k) return nullptr;
    if (operand < 0 || operand >= k->num_operands) {
        fail(CNNC_ERROR_INVALID_ARGUMENT, "%s: kernel %d (%s) has %d operands, not operand %d", who, kernel,
             model().kernel_names[kernel], k->num_operands, operand);
        return nullptr;
    }
    return &k->operands[operand];
}

int64_t operand_elements(const cnnc_model_operand &o) {
    int64_t n = 1;
    for (int32_t d = 0; d < o.rank; ++d) n *= o.extents[d];
    return n;
}

// Visits every element of a strided operand in dense order (innermost dim fastest) with its
// element offset from the operand's base.
template <class F> void for_each_element(const cnnc_model_operand &o, F &&f) {
    int64_t index[CNNC_MAX_RANK] = {0};
    const int64_t count = operand_elements(o);
    int64_t at = 0;
    for (int64_t i = 0; i < count; ++i) {
        f(i, at);
        for (int32_t d = 0; d < o.rank; ++d) {
            at += o.strides[d];
            if (++index[d] < o.extents[d]) break;
            at -= o.strides[d] * o.extents[d];
            index[d] = 0;
        }
    }
}

// Shared checks of cnnc_set_operand / cnnc_get_operand.
const cnnc_model_operand *checked_operand(cnnc_instance *instance, int32_t kernel, int32_t operand,
                                          const void *data, int64_t size, const char *who) {
    if (!instance || !data) {
        fail(CNNC_ERROR_INVALID_ARGUMENT, "%s: instance or data is null", who);
        return nullptr;
    }
    const cnnc_model_operand *o = operand_at(kernel, operand, who);
    if (o && size != operand_elements(*o)) {
        fail(CNNC_ERROR_INVALID_ARGUMENT, "%s: operand %d of kernel %d has %lld elements, the buffer %lld", who,
             operand, kernel, static_cast<long long>(operand_elements(*o)), static_cast<long long>(size));
        return nullptr;
    }
    return o;
}

} // namespace

namespace cnnc::runtime {

int fail(int status, const char *format, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    try {
        last_error = buffer;
    } catch (...) {
    }
    return status;
}

const char *halide_message() { return kernel_message.c_str(); }
void clear_halide_message() { kernel_message.clear(); }

} // namespace cnnc::runtime

extern "C" {

// Overrides the Halide runtime's weak default (which prints to stderr): a kernel's error becomes
// the message of the failing cnnc_run.
void halide_error(void *, const char *message) {
    try {
        kernel_message = message ? message : "";
    } catch (...) {
    }
}

int32_t cnnc_abi_version(void) { return CNNC_ABI_VERSION; }

const char *cnnc_model_name(void) { return model().name; }

int cnnc_num_inputs(int32_t *count) {
    if (!count) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_num_inputs: count is null");
    *count = model().num_inputs;
    return CNNC_OK;
}

int cnnc_num_outputs(int32_t *count) {
    if (!count) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_num_outputs: count is null");
    *count = model().num_outputs;
    return CNNC_OK;
}

int cnnc_input_info(int32_t index, cnnc_tensor_info *info) { return tensor_info(index, info, true); }
int cnnc_output_info(int32_t index, cnnc_tensor_info *info) { return tensor_info(index, info, false); }
int cnnc_input_index(const char *name, int32_t *index) { return tensor_index(name, index, true); }
int cnnc_output_index(const char *name, int32_t *index) { return tensor_index(name, index, false); }

int cnnc_create(cnnc_instance **instance) {
    if (!instance) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_create: instance is null");
    *instance = nullptr;
    cnnc::runtime::install_spinning_thread_pool();
    auto *created = new (std::nothrow) cnnc_instance;
    if (!created) return fail(CNNC_ERROR_OUT_OF_MEMORY, "cnnc_create: out of memory");
    // 64-byte alignment: kernels' vector loads and the planner's offsets assume it.
    const size_t bytes = (static_cast<size_t>(model().arena_bytes) + 63) / 64 * 64;
    created->arena = static_cast<unsigned char *>(std::aligned_alloc(64, bytes ? bytes : 64));
    if (!created->arena) {
        delete created;
        return fail(CNNC_ERROR_OUT_OF_MEMORY, "cnnc_create: cannot allocate the %zu-byte arena", bytes);
    }
    if (const cnnc_device_model *dm = cnnc_device_model_definition()) {
        if (const int status = cnnc::runtime::device_create(*dm, model(), &created->device)) {
            std::free(created->arena);
            delete created;
            return status;
        }
    }
    *instance = created;
    return CNNC_OK;
}

int cnnc_destroy(cnnc_instance *instance) {
    if (!instance) return CNNC_OK;
    cnnc::runtime::device_destroy(instance->device);
    std::free(instance->arena);
    delete instance;
    return CNNC_OK;
}

// cnnc_run, and with `phase_ms` cnnc_run_profiled: the same steps, with a clock read after each.
static int run_model(cnnc_instance *instance, const float *const *inputs, const int64_t *input_sizes,
                     float *const *outputs, const int64_t *output_sizes, double *phase_ms) {
    const cnnc_model &m = model();
    if (!instance) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run: instance is null");
    if (m.num_inputs > 0 && (!inputs || !input_sizes))
        return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run: inputs or input_sizes is null");
    if (!outputs || !output_sizes)
        return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run: outputs or output_sizes is null");
    for (int32_t i = 0; i < m.num_inputs; ++i) {
        const cnnc_model_tensor &t = m.inputs[i];
        if (!inputs[i]) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run: input %d (%s) is null", i, t.name);
        if (input_sizes[i] != num_elements(t))
            return fail(CNNC_ERROR_INVALID_ARGUMENT,
                        "cnnc_run: input %d (%s) expects %s = %lld floats, the buffer has %lld", i,
                        t.name, shape_text(t).c_str(), static_cast<long long>(num_elements(t)),
                        static_cast<long long>(input_sizes[i]));
    }
    for (int32_t i = 0; i < m.num_outputs; ++i) {
        const cnnc_model_tensor &t = m.outputs[i];
        if (!outputs[i]) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run: output %d (%s) is null", i, t.name);
        if (output_sizes[i] != num_elements(t))
            return fail(CNNC_ERROR_INVALID_ARGUMENT,
                        "cnnc_run: output %d (%s) expects %s = %lld floats, the buffer has %lld", i,
                        t.name, shape_text(t).c_str(), static_cast<long long>(num_elements(t)),
                        static_cast<long long>(output_sizes[i]));
    }
    // GPU libraries keep the boundary tensors in NCHW in device memory: copies, no transposes.
    // Profiled, the device runs kernels one at a time and waits for each (see DeviceRuntime.h).
    if (instance->device)
        return cnnc::runtime::device_run_host(instance->device, m, instance->arena, inputs, outputs, phase_ms);
    // Profiling reads the clock between consecutive steps of this run and nowhere else, so the
    // phases add up to the run and each kernel sees the caches its predecessor left, as unprofiled.
    using Clock = std::chrono::steady_clock;
    Clock::time_point mark = phase_ms ? Clock::now() : Clock::time_point{};
    auto lap = [&](int32_t phase) {
        const Clock::time_point now = Clock::now();
        phase_ms[phase] = std::chrono::duration<double, std::milli>(now - mark).count();
        mark = now;
    };
    for (int32_t i = 0; i < m.num_inputs; ++i)
        nchw_to_standard(m.inputs[i], inputs[i],
                         reinterpret_cast<float *>(instance->arena + m.inputs[i].offset));
    if (phase_ms) lap(0);
    kernel_message.clear();
    int32_t failed = -1;
    auto run_kernels_timed = [&]() -> int {
        for (int32_t k = 0; k < m.num_kernels; ++k) {
            if (const int status = m.kernels[k].call(instance->arena, m.weights)) {
                failed = k;
                return status;
            }
            lap(1 + k);
        }
        return 0;
    };
    if (const int status = phase_ms ? run_kernels_timed() : m.run(instance->arena, m.weights, &failed); status != 0) {
        const char *which = failed >= 0 && failed < m.num_kernels ? m.kernel_names[failed] : "?";
        return fail(CNNC_ERROR_KERNEL_FAILED, "cnnc_run: kernel %d (%s) failed with Halide error %d: %s",
                    failed, which, status, kernel_message.c_str());
    }
    for (int32_t i = 0; i < m.num_outputs; ++i) {
        const cnnc_model_tensor &t = m.outputs[i];
        const unsigned char *base = t.in_weights ? m.weights : instance->arena;
        standard_to_nchw(t, reinterpret_cast<const float *>(base + t.offset), outputs[i]);
    }
    if (phase_ms) lap(1 + m.num_kernels);
    return CNNC_OK;
}

int cnnc_run(cnnc_instance *instance, const float *const *inputs, const int64_t *input_sizes,
             float *const *outputs, const int64_t *output_sizes) {
    return run_model(instance, inputs, input_sizes, outputs, output_sizes, nullptr);
}

int cnnc_run_profiled(cnnc_instance *instance, const float *const *inputs, const int64_t *input_sizes,
                      float *const *outputs, const int64_t *output_sizes, double *phase_ms, int32_t num_phases) {
    const cnnc_model &m = model();
    if (!phase_ms || num_phases != m.num_kernels + 2)
        return fail(CNNC_ERROR_INVALID_ARGUMENT,
                    "cnnc_run_profiled: phase_ms must hold num_kernels + 2 = %d times, got %s%d", m.num_kernels + 2,
                    phase_ms ? "" : "a null pointer and ", num_phases);
    return run_model(instance, inputs, input_sizes, outputs, output_sizes, phase_ms);
}

int cnnc_num_kernels(int32_t *count) {
    if (!count) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_num_kernels: count is null");
    *count = model().num_kernels;
    return CNNC_OK;
}

int cnnc_get_kernel_info(int32_t kernel, cnnc_kernel_info *info) {
    if (!info) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_get_kernel_info: info is null");
    const cnnc_model_kernel *k = kernel_at(kernel, "cnnc_get_kernel_info");
    if (!k) return CNNC_ERROR_INVALID_ARGUMENT;
    std::memset(info, 0, sizeof *info);
    info->name = model().kernel_names[kernel];
    info->function = k->function;
    info->algorithm = k->algorithm;
    info->flops = k->flops;
    info->num_operands = k->num_operands;
    return CNNC_OK;
}

int cnnc_get_operand_info(int32_t kernel, int32_t operand, cnnc_operand_info *info) {
    if (!info) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_get_operand_info: info is null");
    const cnnc_model_operand *o = operand_at(kernel, operand, "cnnc_get_operand_info");
    if (!o) return CNNC_ERROR_INVALID_ARGUMENT;
    std::memset(info, 0, sizeof *info);
    info->is_constant = o->in_weights;
    info->rank = o->rank;
    for (int32_t d = 0; d < o->rank; ++d) {
        info->extents[d] = o->extents[d];
        info->strides[d] = o->strides[d];
    }
    info->num_elements = operand_elements(*o);
    return CNNC_OK;
}

int cnnc_set_operand(cnnc_instance *instance, int32_t kernel, int32_t operand, const float *data, int64_t size) {
    const cnnc_model_operand *o = checked_operand(instance, kernel, operand, data, size, "cnnc_set_operand");
    if (!o) return CNNC_ERROR_INVALID_ARGUMENT;
    if (o->in_weights)
        return fail(CNNC_ERROR_INVALID_ARGUMENT,
                    "cnnc_set_operand: operand %d of kernel %d is a constant in the library's weights", operand,
                    kernel);
    // GPU libraries: the host arena stages the operand's span, read first so that bytes between
    // its elements (another kernel's, in a strided view) go back to the device unchanged.
    if (instance->device)
        if (int status = cnnc::runtime::device_download_operand(instance->device, model(), kernel, operand, instance->arena))
            return status;
    float *base = reinterpret_cast<float *>(instance->arena + o->offset);
    for_each_element(*o, [&](int64_t i, int64_t at) { base[at] = data[i]; });
    if (instance->device)
        return cnnc::runtime::device_upload_operand(instance->device, model(), kernel, operand, instance->arena);
    return CNNC_OK;
}

int cnnc_get_operand(cnnc_instance *instance, int32_t kernel, int32_t operand, float *data, int64_t size) {
    const cnnc_model_operand *o = checked_operand(instance, kernel, operand, data, size, "cnnc_get_operand");
    if (!o) return CNNC_ERROR_INVALID_ARGUMENT;
    if (instance->device && !o->in_weights)
        if (int status = cnnc::runtime::device_download_operand(instance->device, model(), kernel, operand, instance->arena))
            return status;
    const float *base = reinterpret_cast<const float *>((o->in_weights ? model().weights : instance->arena) + o->offset);
    for_each_element(*o, [&](int64_t i, int64_t at) { data[i] = base[at]; });
    return CNNC_OK;
}

int cnnc_run_kernel(cnnc_instance *instance, int32_t kernel) {
    if (!instance) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run_kernel: instance is null");
    const cnnc_model_kernel *k = kernel_at(kernel, "cnnc_run_kernel");
    if (!k) return CNNC_ERROR_INVALID_ARGUMENT;
    if (instance->device) return cnnc::runtime::device_run_kernel(instance->device, model(), kernel);
    kernel_message.clear();
    if (const int status = k->call(instance->arena, model().weights); status != 0)
        return fail(CNNC_ERROR_KERNEL_FAILED, "cnnc_run_kernel: kernel %d (%s) failed with Halide error %d: %s",
                    kernel, model().kernel_names[kernel], status, kernel_message.c_str());
    return CNNC_OK;
}

int32_t cnnc_device_api(void) {
    const cnnc_device_model *dm = cnnc_device_model_definition();
    return dm ? dm->api : CNNC_DEVICE_HOST;
}

int cnnc_device_context(uint64_t *context, uint64_t *queue) {
    const cnnc_device_model *dm = cnnc_device_model_definition();
    if (!context || !queue) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_device_context: a null argument");
    if (!dm) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_device_context: the library runs on the host CPU");
    kernel_message.clear();
    if (const int status = dm->context(context, queue))
        return fail(CNNC_ERROR_DEVICE, "cnnc_device_context: Halide error %d: %s", status, kernel_message.c_str());
    return CNNC_OK;
}

int cnnc_run_device(cnnc_instance *instance, const uint64_t *inputs, const uint64_t *outputs) {
    const cnnc_model &m = model();
    if (!instance) return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run_device: instance is null");
    if (!instance->device)
        return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run_device: the library runs on the host CPU; use cnnc_run");
    if ((m.num_inputs > 0 && !inputs) || !outputs)
        return fail(CNNC_ERROR_INVALID_ARGUMENT, "cnnc_run_device: inputs or outputs is null");
    return cnnc::runtime::device_run_device(instance->device, m, inputs, outputs);
}

const char *cnnc_last_error(void) { return last_error.c_str(); }

} // extern "C"
