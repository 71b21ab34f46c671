// Element types and static tensor types. f32 is what cnnc computes in today; the others are
// admitted by the type system (parsed, printed, verified) so f16/i8 paths can be added later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::ir {

enum class DType : uint8_t { f32, f16, i8, i32, i64 };

std::string_view dtype_name(DType dtype);
std::optional<DType> parse_dtype(std::string_view name);
size_t dtype_bytes(DType dtype);

using Dims = std::vector<int64_t>;

struct TensorType {
    DType dtype = DType::f32;
    Dims dims;

    int64_t rank() const { return static_cast<int64_t>(dims.size()); }
    int64_t num_elements() const;
    int64_t num_bytes() const { return num_elements() * static_cast<int64_t>(dtype_bytes(dtype)); }
    bool operator==(const TensorType &other) const {
        return dtype == other.dtype && dims == other.dims;
    }
    bool operator!=(const TensorType &other) const { return !(*this == other); }
};

// "f32[1,3,224,224]"; a scalar prints as "f32[]".
std::string to_string(const TensorType &type);
// "[1,3,224,224]"
std::string dims_to_string(const Dims &dims);

} // namespace cnnc::ir
