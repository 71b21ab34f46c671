#include "ir/Constant.h"

#include "ir/Error.h"

#include <cmath>

namespace cnnc::ir {

namespace {

// splitmix64: tiny, fast, and fully specified, so seeded weights are identical everywhere.
struct SplitMix64 {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

struct KindName {
    Initializer::Kind kind;
    std::string_view name;
};
constexpr KindName kind_names[] = {{Initializer::Kind::he_normal, "he_normal"},
                                   {Initializer::Kind::uniform, "uniform"},
                                   {Initializer::Kind::fill, "fill"}};

} // namespace

std::string_view initializer_kind_name(Initializer::Kind kind) {
    for (const auto &k : kind_names)
        if (k.kind == kind) return k.name;
    internal_assert(false, "unknown initializer kind");
}

std::optional<Initializer::Kind> parse_initializer_kind(std::string_view name) {
    for (const auto &k : kind_names)
        if (k.name == name) return k.kind;
    return std::nullopt;
}

std::vector<float> generate(const TensorType &type, const Initializer &init) {
    std::vector<float> values(static_cast<size_t>(type.num_elements()));
    SplitMix64 rng{init.seed};
    switch (init.kind) {
    case Initializer::Kind::fill:
        for (auto &v : values) v = static_cast<float>(init.value);
        break;
    case Initializer::Kind::uniform:
        for (auto &v : values) v = static_cast<float>(init.lo + (init.hi - init.lo) * rng.uniform());
        break;
    case Initializer::Kind::he_normal: {
        int64_t fan_in = 1;
        for (size_t i = 1; i < type.dims.size(); ++i) fan_in *= type.dims[i];
        const double stddev = std::sqrt(2.0 / static_cast<double>(std::max<int64_t>(fan_in, 1)));
        for (size_t i = 0; i < values.size(); i += 2) {
            // Box-Muller: two normals per pair of uniforms.
            const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
            const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * M_PI * u2;
            values[i] = static_cast<float>(stddev * r * std::cos(t));
            if (i + 1 < values.size()) values[i + 1] = static_cast<float>(stddev * r * std::sin(t));
        }
        break;
    }
    }
    return values;
}

uint64_t seed_from_name(std::string_view name) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

ConstantData::ConstantData(TensorType type, std::optional<Initializer> init,
                           std::vector<float> values)
    : type_(std::move(type)), init_(init), values_(std::move(values)) {}

std::shared_ptr<const ConstantData> ConstantData::from_values(TensorType type,
                                                              std::vector<float> values) {
    internal_assert(static_cast<int64_t>(values.size()) == type.num_elements(),
                    "constant of type {} given {} values", to_string(type), values.size());
    auto data = std::shared_ptr<ConstantData>(new ConstantData(std::move(type), {}, std::move(values)));
    std::call_once(data->materialised_, [] {});
    return data;
}

std::shared_ptr<const ConstantData> ConstantData::from_init(TensorType type, Initializer init) {
    return std::shared_ptr<ConstantData>(new ConstantData(std::move(type), init, {}));
}

const std::vector<float> &ConstantData::values() const {
    std::call_once(materialised_, [this] { values_ = generate(type_, *init_); });
    return values_;
}

bool ConstantData::same_contents(const ConstantData &other) const {
    if (type_ != other.type_) return false;
    if (init_ && other.init_ && *init_ == *other.init_) return true;
    return values() == other.values();
}

} // namespace cnnc::ir
