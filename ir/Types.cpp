#include "ir/Types.h"

#include "ir/Error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cnnc::ir {

namespace {
struct DTypeInfo {
    DType dtype;
    std::string_view name;
    size_t bytes;
};
constexpr DTypeInfo dtype_table[] = {
    {DType::f32, "f32", 4}, {DType::f16, "f16", 2}, {DType::i8, "i8", 1},
    {DType::i32, "i32", 4}, {DType::i64, "i64", 8},
};
} // namespace

std::string_view dtype_name(DType dtype) {
    for (const auto &info : dtype_table)
        if (info.dtype == dtype) return info.name;
    internal_assert(false, "unknown dtype {}", static_cast<int>(dtype));
}

std::optional<DType> parse_dtype(std::string_view name) {
    for (const auto &info : dtype_table)
        if (info.name == name) return info.dtype;
    return std::nullopt;
}

size_t dtype_bytes(DType dtype) {
    for (const auto &info : dtype_table)
        if (info.dtype == dtype) return info.bytes;
    internal_assert(false, "unknown dtype {}", static_cast<int>(dtype));
}

int64_t TensorType::num_elements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
}

std::string dims_to_string(const Dims &dims) { return fmt::format("[{}]", fmt::join(dims, ",")); }

std::string to_string(const TensorType &type) {
    return fmt::format("{}{}", dtype_name(type.dtype), dims_to_string(type.dims));
}

} // namespace cnnc::ir
