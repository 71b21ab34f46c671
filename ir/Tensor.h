// A dense f32 tensor in NCHW / C order: what the interpreter computes on and .npy files hold.
#pragma once

#include "ir/Types.h"

#include <vector>

namespace cnnc::ir {

struct Tensor {
    TensorType type;
    std::vector<float> data;

    Tensor() = default;
    explicit Tensor(TensorType t) : type(std::move(t)), data(type.num_elements(), 0.0f) {}
    Tensor(TensorType t, std::vector<float> values) : type(std::move(t)), data(std::move(values)) {}

    const Dims &dims() const { return type.dims; }
    int64_t size() const { return static_cast<int64_t>(data.size()); }
};

} // namespace cnnc::ir
