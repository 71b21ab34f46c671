#include "ir/Attributes.h"

namespace cnnc::ir {

namespace {
// Compares two structs of one type field by field, through their fields() lists.
template <class T> bool fields_equal(const T &a, const T &b) {
    std::vector<const void *> left;
    bool equal = true;
    T::fields(a, [&](const char *, const auto &field) { left.push_back(&field); });
    size_t i = 0;
    T::fields(b, [&](const char *, const auto &field) {
        using Field = std::decay_t<decltype(field)>;
        equal = equal && *static_cast<const Field *>(left[i]) == field;
        ++i;
    });
    return equal;
}
} // namespace

bool attrs_equal(const Attrs &a, const Attrs &b) {
    if (a.index() != b.index()) return false;
    if (auto *ca = std::get_if<ConstantAttrs>(&a)) {
        const auto &cb = std::get<ConstantAttrs>(b);
        if (!ca->data || !cb.data) return ca->data == cb.data;
        return ca->data->same_contents(*cb.data);
    }
    return std::visit(
        [&](const auto &left) {
            using T = std::decay_t<decltype(left)>;
            return fields_equal(left, std::get<T>(b));
        },
        a);
}

} // namespace cnnc::ir
