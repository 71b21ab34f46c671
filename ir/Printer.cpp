// The printer of the IR text form (grammar: docs/ir.md). Attributes are printed through each
// struct's fields() walker, compared field by field against a default-constructed struct, so a
// line shows only what differs from the defaults and a new field needs no change here. Doubles
// and floats print in fmt's shortest form that reads back to the same bits.
#include "ir/Printer.h"

#include "ir/Error.h"
#include "ir/FileIO.h"
#include "ir/Lexer.h"
#include "ir/Npy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include <unistd.h>

namespace cnnc::ir {

namespace {

namespace fs = std::filesystem;

std::string name_text(std::string_view name) {
    return is_bare_name(name) ? std::string(name) : quote(name);
}

// A string field prints bare when it reads back as an identifier of the same text.
std::string string_text(const std::string &s) {
    const bool identifier =
        !s.empty() && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_') &&
        std::all_of(s.begin(), s.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    const bool reserved = s == "true" || s == "false" || s == "inf" || s == "nan";
    return identifier && !reserved ? s : quote(s);
}

// Equal as the text would show them: -0.0 differs from 0.0, and NaN equals NaN.
bool same(double a, double b) {
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}
template <class T> bool same(const T &a, const T &b) {
    return a == b;
}
bool same(const std::vector<double> &a, const std::vector<double> &b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i]))
            return false;
    return true;
}

std::string field_text(int64_t v) {
    return fmt::format("{}", v);
}
std::string field_text(double v) {
    return fmt::format("{}", v);
}
std::string field_text(bool v) {
    return v ? "true" : "false";
}
std::string field_text(const std::string &v) {
    return string_text(v);
}
template <size_t N> std::string field_text(const std::array<int64_t, N> &v) {
    return fmt::format("[{}]", fmt::join(v, ","));
}
std::string field_text(const std::vector<int64_t> &v) {
    return fmt::format("[{}]", fmt::join(v, ","));
}
std::string field_text(const std::vector<double> &v) {
    std::vector<std::string> items;
    for (double x : v)
        items.push_back(field_text(x));
    return fmt::format("[{}]", fmt::join(items, ", "));
}

// "name=value" for each field of a fields()-walkable struct that differs from its default.
template <class T> std::vector<std::string> field_entries(const T &a) {
    std::vector<std::string> entries;
    const T defaults{};
    std::vector<const void *> default_fields;
    T::fields(defaults, [&](const char *, const auto &field) { default_fields.push_back(&field); });
    size_t i = 0;
    T::fields(a, [&](const char *name, const auto &field) {
        using Field = std::decay_t<decltype(field)>;
        if (!same(field, *static_cast<const Field *>(default_fields[i++])))
            entries.push_back(fmt::format("{}={}", name, field_text(field)));
    });
    return entries;
}

std::vector<std::string> attr_entries(const Attrs &attrs) {
    return std::visit([](const auto &a) { return field_entries(a); }, attrs);
}

class Printer {
  public:
    Printer(const Graph &g, const PrintOptions &options) : g_(g), options_(options) {}

    std::string run() {
        std::string out = fmt::format("graph @{}\n", name_text(g_.name));
        for (const Op &op : g_.ops())
            out += line(op) + "\n";
        std::vector<std::string> returns;
        for (ValueId id : g_.outputs())
            returns.push_back(value_ref(id));
        out += fmt::format("return{}{}\n", returns.empty() ? "" : " ", fmt::join(returns, ", "));
        return out;
    }

  private:
    std::string value_ref(ValueId id) const {
        internal_assert(id >= 0 && static_cast<size_t>(id) < g_.values().size(),
                        "printing a dangling value id {}", id);
        return "%" + name_text(g_.value(id).name);
    }

    std::string line(const Op &op) {
        std::vector<std::string> results, operands, types;
        bool any_type = false;
        for (ValueId id : op.outputs) {
            results.push_back(value_ref(id));
            const auto &type = g_.value(id).type;
            types.push_back(type ? to_string(*type) : "?");
            any_type = any_type || type.has_value();
        }
        for (ValueId id : op.inputs)
            operands.push_back(value_ref(id));
        const std::vector<std::string> attrs =
            op.kind == OpKind::constant ? constant_entries(op) : attr_entries(op.attrs);
        std::string text = fmt::format("{} = {}({})", fmt::join(results, ", "), op_name(op.kind),
                                       fmt::join(operands, ", "));
        if (!attrs.empty())
            text += fmt::format(" {{{}}}", fmt::join(attrs, ", "));
        if (any_type)
            text += fmt::format(" : {}", fmt::join(types, ", "));
        if (!op.plan.empty()) {
            // The plan block follows the types, which is what tells it apart from attributes.
            internal_assert(any_type, "%{} has a plan but no type", g_.value(op.outputs[0]).name);
            text += fmt::format(" {{{}}}", fmt::join(field_entries(op.plan), ", "));
        }
        return text;
    }

    std::vector<std::string> constant_entries(const Op &op) {
        const ConstantData *data = op.attr<ConstantAttrs>().data.get();
        internal_assert(data != nullptr, "constant %{} without data", g_.value(op.outputs[0]).name);
        if (const auto &init = data->init()) {
            std::vector<std::string> entries{
                fmt::format("init={}", initializer_kind_name(init->kind))};
            if (init->seed != 0)
                entries.push_back(fmt::format("seed={}", init->seed));
            if (!same(init->lo, 0.0))
                entries.push_back(fmt::format("lo={}", init->lo));
            if (!same(init->hi, 0.0))
                entries.push_back(fmt::format("hi={}", init->hi));
            if (!same(init->value, 0.0))
                entries.push_back(fmt::format("value={}", init->value));
            return entries;
        }
        const std::vector<float> &values = data->values();
        if (values.size() <= options_.max_inline_elements)
            return {fmt::format("value=[{}]", fmt::join(values, ", "))};
        if (options_.weights_dir.empty())
            return {"data=elided"};
        const std::string file = sidecar_name(g_.value(op.outputs[0]).name);
        if (!made_dir_) {
            std::error_code ec;
            fs::create_directories(options_.weights_dir, ec);
            if (ec)
                user_error("{}: cannot create the weights folder: {}", options_.weights_dir,
                           ec.message());
            made_dir_ = true;
        }
        write_npy((fs::path(options_.weights_dir) / file).string(), Tensor(data->type(), values));
        const std::string ref =
            options_.weights_ref.empty() ? options_.weights_dir : options_.weights_ref;
        return {fmt::format("data={}", quote((fs::path(ref) / file).generic_string()))};
    }

    // A file name from a value name: safe on every file system, and unique in this dump even on a
    // case-insensitive one.
    std::string sidecar_name(const std::string &value_name) {
        std::string base;
        for (char c : value_name)
            base.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                                   (c == '.' && !base.empty())
                               ? c
                               : '_');
        if (base.empty())
            base = "constant";
        std::string candidate = base;
        for (int i = 1; !used_.insert(lowercase(candidate)).second; ++i)
            candidate = fmt::format("{}.{}", base, i);
        return candidate + ".npy";
    }
    static std::string lowercase(std::string s) {
        for (char &c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }

    const Graph &g_;
    const PrintOptions &options_;
    std::set<std::string> used_;
    bool made_dir_ = false;
};

} // namespace

std::string print(const Graph &g, const PrintOptions &options) {
    return Printer(g, options).run();
}

void print_to_file(const Graph &g, const std::string &path) {
    const fs::path text_path(path);
    const std::string folder = text_path.stem().string() + ".weights";
    PrintOptions options;
    options.weights_dir = (text_path.parent_path() / folder).string();
    options.weights_ref = folder;
    write_file_atomically(path, print(g, options));
}

} // namespace cnnc::ir
