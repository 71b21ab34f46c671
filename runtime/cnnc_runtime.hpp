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
};

// The functions of the one model library this program links against.
inline Api linked_api() {
    return {&cnnc_abi_version, &cnnc_model_name, &cnnc_num_inputs, &cnnc_num_outputs,
            &cnnc_input_info,  &cnnc_output_info, &cnnc_create,     &cnnc_destroy,
            &cnnc_run,         &cnnc_last_error};
}

struct TensorInfo {
    std::string name;
    std::vector<int64_t> dims;
    int64_t num_elements = 0;
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
