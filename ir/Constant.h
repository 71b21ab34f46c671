// The payload of a `constant` op: either concrete values, or a seeded initialiser that
// generates them deterministically on first use. Keeping the initialiser lets a hand-written or
// zoo network print as a short line (`{init=he_normal, seed=7}`) that parses back to the same
// numbers, and lets `cnnc info zoo:vgg16` count 138 M parameters without generating them.
#pragma once

#include "ir/Types.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace cnnc::ir {

struct Initializer {
    enum class Kind {
        he_normal, // N(0, 2 / fan_in), fan_in = product of dims[1..] (Kaiming, for conv/gemm weights)
        uniform,   // U(lo, hi)
        fill,      // every element = value
    };
    Kind kind = Kind::fill;
    double lo = 0, hi = 0, value = 0;
    uint64_t seed = 0;

    bool operator==(const Initializer &o) const {
        return kind == o.kind && lo == o.lo && hi == o.hi && value == o.value && seed == o.seed;
    }
};

std::string_view initializer_kind_name(Initializer::Kind kind);
std::optional<Initializer::Kind> parse_initializer_kind(std::string_view name);

class ConstantData {
  public:
    static std::shared_ptr<const ConstantData> from_values(TensorType type,
                                                           std::vector<float> values);
    static std::shared_ptr<const ConstantData> from_init(TensorType type, Initializer init);

    const TensorType &type() const { return type_; }
    // Set when the values are exactly what this initialiser generates.
    const std::optional<Initializer> &init() const { return init_; }
    // Materialises the values on first call (thread-safe).
    const std::vector<float> &values() const;

    // Equal types and equal values (initialisers compared first, without materialising).
    bool same_contents(const ConstantData &other) const;

  private:
    ConstantData(TensorType type, std::optional<Initializer> init, std::vector<float> values);

    TensorType type_;
    std::optional<Initializer> init_;
    mutable std::once_flag materialised_;
    mutable std::vector<float> values_;
};

// Deterministic across platforms and standard libraries (std::normal_distribution is not).
std::vector<float> generate(const TensorType &type, const Initializer &init);

// A stable 64-bit seed from a name (FNV-1a), so omitted weights get the same values every run.
uint64_t seed_from_name(std::string_view name);

} // namespace cnnc::ir
