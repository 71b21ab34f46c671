// A C++ wrapper over the C ABI of a cnnc library (cnnc_runtime.h): RAII instances, std::vector
// buffers, and exceptions (cnnc::Error) in place of status codes. The same classes work on a
// library linked into the program (cnnc::linked_api()) or opened with dlopen (runtime/Loader.h
// fills a cnnc::Api from dlsym), so tools and users share one wrapper.
#ifndef CNNC_RUNTIME_HPP
#define CNNC_RUNTIME_HPP

#include "cnnc_runtime.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnc {

class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The C ABI as a table of function pointers.
struct Api {
    int32_t (*abi_version)(void);
    const char *(*model_name)(void);
    int (*num_inputs)(int32_t *);
    int (*num_outputs)(int32_t *);
    int (*input_info)(int32_t, cnnc_tensor_info *);
    int (*output_info)(int32_t, cnnc_tensor_info *);
    int (*create)(cnnc_instance **);
    int (*destroy)(cnnc_instance *);
    int (*run)(cnnc_instance *, const float *const *, const int64_t *, float *const *, const int64_t *);
    const char *(*last_error)(void);
    // Kernels one at a time (null in a library built before they existed; see Model::kernels).
    int (*num_kernels)(int32_t *);
    int (*get_kernel_info)(int32_t, cnnc_kernel_info *);
    int (*get_operand_info)(int32_t, int32_t, cnnc_operand_info *);
    int (*set_operand)(cnnc_instance *, int32_t, int32_t, const float *, int64_t);
    int (*get_operand)(cnnc_instance *, int32_t, int32_t, float *, int64_t);
    int (*run_kernel)(cnnc_instance *, int32_t);
    // One run with a time per step (null in a library built before it existed).
    int (*run_profiled)(cnnc_instance *, const float *const *, const int64_t *, float *const *, const int64_t *,
                        double *, int32_t);
};

// The functions of the one model library this program links against.
inline Api linked_api() {
    return {&cnnc_abi_version, &cnnc_model_name, &cnnc_num_inputs, &cnnc_num_outputs,
            &cnnc_input_info,  &cnnc_output_info, &cnnc_create,     &cnnc_destroy,
            &cnnc_run,         &cnnc_last_error,  &cnnc_num_kernels, &cnnc_get_kernel_info,
            &cnnc_get_operand_info, &cnnc_set_operand, &cnnc_get_operand, &cnnc_run_kernel,
            &cnnc_run_profiled};
}

struct TensorInfo {
    std::string name;
    std::vector<int64_t> dims;
    int64_t num_elements = 0;
};

// One operand of a kernel: dims innermost first, as the kernel reads it (cnnc_operand_info).
struct OperandInfo {
    bool is_constant = false;
    std::vector<int64_t> extents, strides;
    int64_t num_elements = 0;
};

// One kernel call of the library (cnnc_kernel_info); operands: the inputs, then the output.
struct KernelInfo {
    std::string name, function, algorithm;
    int64_t flops = 0;
    std::vector<OperandInfo> operands;
};

// The model's interface: names and shapes of inputs and outputs.
class Model {
  public:
    explicit Model(Api api = linked_api()) : api_(api) {
        int32_t count = 0;
        check(api_.num_inputs(&count));
        for (int32_t i = 0; i < count; ++i) inputs_.push_back(info(i, api_.input_info));
        check(api_.num_outputs(&count));
        for (int32_t i = 0; i < count; ++i) outputs_.push_back(info(i, api_.output_info));
    }
    const Api &api() const { return api_; }
    std::string name() const { return api_.model_name(); }
    const std::vector<TensorInfo> &inputs() const { return inputs_; }
    const std::vector<TensorInfo> &outputs() const { return outputs_; }
    // The kernels in execution order, read on first use.
    const std::vector<KernelInfo> &kernels() const {
        if (!api_.num_kernels) throw Error("this library predates per-kernel calls; recompile it with cnnc");
        if (kernels_read_) return kernels_;
        int32_t count = 0;
        check(api_.num_kernels(&count));
        for (int32_t k = 0; k < count; ++k) {
            cnnc_kernel_info raw;
            check(api_.get_kernel_info(k, &raw));
            KernelInfo info{raw.name, raw.function, raw.algorithm, raw.flops, {}};
            for (int32_t o = 0; o < raw.num_operands; ++o) {
                cnnc_operand_info op;
                check(api_.get_operand_info(k, o, &op));
                info.operands.push_back({op.is_constant != 0, std::vector<int64_t>(op.extents, op.extents + op.rank),
                                         std::vector<int64_t>(op.strides, op.strides + op.rank), op.num_elements});
            }
            kernels_.push_back(std::move(info));
        }
        kernels_read_ = true;
        return kernels_;
    }

    void check(int status) const {
        if (status != CNNC_OK) throw Error(api_.last_error());
    }

  private:
    TensorInfo info(int32_t i, int (*get)(int32_t, cnnc_tensor_info *)) const {
        cnnc_tensor_info raw;
        check(get(i, &raw));
        return {raw.name, std::vector<int64_t>(raw.dims, raw.dims + raw.rank), raw.num_elements};
    }
    Api api_;
    std::vector<TensorInfo> inputs_, outputs_;
    mutable std::vector<KernelInfo> kernels_;
    mutable bool kernels_read_ = false;
};

// One instance: its own arena, so one per thread runs concurrently with the others.
class Instance {
  public:
    explicit Instance(const Model &model) : model_(&model), instance_(nullptr, Destroy{model.api()}) {
        cnnc_instance *raw = nullptr;
        model.check(model.api().create(&raw));
        instance_.reset(raw);
    }
    // Runs on dense NCHW buffers, one per input in order; returns the outputs in order.
    std::vector<std::vector<float>> run(const std::vector<std::vector<float>> &inputs) {
        std::vector<std::vector<float>> outputs;
        for (const TensorInfo &o : model_->outputs()) outputs.emplace_back(static_cast<size_t>(o.num_elements));
        run(inputs, outputs);
        return outputs;
    }
    void run(const std::vector<std::vector<float>> &inputs, std::vector<std::vector<float>> &outputs) {
        std::vector<const float *> in;
        std::vector<int64_t> in_sizes, out_sizes;
        std::vector<float *> out;
        for (const auto &v : inputs) in.push_back(v.data()), in_sizes.push_back(static_cast<int64_t>(v.size()));
        for (auto &v : outputs) out.push_back(v.data()), out_sizes.push_back(static_cast<int64_t>(v.size()));
        if (in.size() != model_->inputs().size() || out.size() != model_->outputs().size())
            throw Error("cnnc::Instance::run: the model has " + std::to_string(model_->inputs().size()) +
                        " inputs and " + std::to_string(model_->outputs().size()) + " outputs, got " +
                        std::to_string(in.size()) + " and " + std::to_string(out.size()));
        model_->check(model_->api().run(instance_.get(), in.data(), in_sizes.data(), out.data(), out_sizes.data()));
    }
    // One kernel alone, on what the arena holds (see cnnc_run_kernel).
    void run_kernel(int32_t kernel) { model_->check(model_->api().run_kernel(instance_.get(), kernel)); }
    void set_operand(int32_t kernel, int32_t operand, const std::vector<float> &data) {
        model_->check(model_->api().set_operand(instance_.get(), kernel, operand, data.data(),
                                                static_cast<int64_t>(data.size())));
    }
    std::vector<float> get_operand(int32_t kernel, int32_t operand) {
        std::vector<float> data(static_cast<size_t>(model_->kernels().at(static_cast<size_t>(kernel))
                                                        .operands.at(static_cast<size_t>(operand))
                                                        .num_elements));
        model_->check(model_->api().get_operand(instance_.get(), kernel, operand, data.data(),
                                                static_cast<int64_t>(data.size())));
        return data;
    }
    cnnc_instance *get() const { return instance_.get(); }

  private:
    struct Destroy {
        Api api;
        void operator()(cnnc_instance *i) const {
            if (api.destroy) api.destroy(i);
        }
    };
    const Model *model_;
    std::unique_ptr<cnnc_instance, Destroy> instance_;
};

} // namespace cnnc

#endif // CNNC_RUNTIME_HPP
