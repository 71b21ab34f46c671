// Renderings of a ModelInfo: an aligned table for people (numbers with thousands separators,
// totals and per-op-kind shares underneath), CSV for spreadsheets, JSON for scripts. CSV and
// JSON carry exact integers; only the table rounds.
#include "analysis/ModelInfo.h"

#include "ir/OpKind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace cnnc::analysis {

namespace {

std::string with_commas(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

// 1234567 -> "1.23 M": for totals, where the reader wants magnitude.
std::string short_count(double n) {
    const char *units[] = {"", " K", " M", " G", " T"};
    int u = 0;
    while (std::abs(n) >= 1000 && u < 4) n /= 1000, ++u;
    return u == 0 ? fmt::format("{:.0f}", n) : fmt::format("{:.2f}{}", n, units[u]);
}

std::string short_bytes(double n) {
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (n >= 1024 && u < 4) n /= 1024, ++u;
    return u == 0 ? fmt::format("{:.0f} B", n) : fmt::format("{:.1f} {}", n, units[u]);
}

std::string shapes(const LayerInfo &l) {
    std::vector<std::string> parts;
    for (const auto &t : l.outputs) parts.push_back(ir::dims_to_string(t.dims));
    return fmt::format("{}", fmt::join(parts, " "));
}

std::string number(double v) {
    return v == std::floor(v) ? fmt::format("{:.0f}", v) : fmt::format("{:.3g}", v);
}

std::string hw(const std::array<double, 2> &v) {
    return v[0] == v[1] ? number(v[0]) : fmt::format("{}x{}", number(v[0]), number(v[1]));
}

double percent(int64_t part, int64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string json_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += fmt::format("\\u{:04x}", static_cast<int>(c));
            else
                out += c;
        }
    }
    return out + "\"";
}

std::string csv_field(const std::string &s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

std::string format_table(const ModelInfo &info) {
    size_t name_w = 5, shape_w = 6;
    for (const auto &l : info.layers) {
        name_w = std::max(name_w, l.name.size());
        shape_w = std::max(shape_w, shapes(l).size());
    }
    std::string out = fmt::format("{}: {} layers\n", info.model, info.layers.size());
    out += fmt::format("{:<{}}  {:<15}  {:<{}}  {:>12}  {:>15}  {:>13}  {:>9}  {:>7}\n", "layer",
                       name_w, "op", "output", shape_w, "params", "MACs", "act. bytes", "RF",
                       "stride");
    for (const auto &l : info.layers)
        out += fmt::format("{:<{}}  {:<15}  {:<{}}  {:>12}  {:>15}  {:>13}  {:>9}  {:>7}\n", l.name,
                           name_w, ir::op_name(l.kind), shapes(l), shape_w, with_commas(l.params),
                           with_commas(l.macs), with_commas(l.activation_bytes),
                           l.has_receptive_field ? hw(l.receptive_field) : "-",
                           l.has_receptive_field ? hw(l.stride) : "-");
    out += fmt::format("\ntotal: {} params ({}), {} MACs ({}), activations {} ({})\n",
                       with_commas(info.params), short_count(static_cast<double>(info.params)),
                       with_commas(info.macs), short_count(static_cast<double>(info.macs)),
                       with_commas(info.activation_bytes),
                       short_bytes(static_cast<double>(info.activation_bytes)));
    out += fmt::format("weights: {} as stored", short_bytes(static_cast<double>(info.weight_bytes)));
    if (info.statistics > 0)
        out += fmt::format(" (including {} BN running statistics, not counted as params)",
                           with_commas(info.statistics));
    out += "\n\nshare by op kind:\n";
    out += fmt::format("{:<15}  {:>6}  {:>7}  {:>7}  {:>7}\n", "op", "layers", "params", "MACs",
                       "memory");
    for (const auto &s : info.by_kind)
        out += fmt::format("{:<15}  {:>6}  {:>6.1f}%  {:>6.1f}%  {:>6.1f}%\n", ir::op_name(s.kind),
                           s.layers, percent(s.params, info.params), percent(s.macs, info.macs),
                           percent(s.activation_bytes, info.activation_bytes));
    return out;
}

std::string format_csv(const ModelInfo &info) {
    std::string out = "layer,op,output,params,macs,activation_bytes,rf_h,rf_w,stride_h,stride_w\n";
    for (const auto &l : info.layers) {
        auto opt = [&](double v) { return l.has_receptive_field ? number(v) : std::string(); };
        out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv_field(l.name), ir::op_name(l.kind),
                           csv_field(shapes(l)), l.params, l.macs, l.activation_bytes,
                           opt(l.receptive_field[0]), opt(l.receptive_field[1]), opt(l.stride[0]),
                           opt(l.stride[1]));
    }
    return out;
}

std::string format_json(const ModelInfo &info) {
    std::string out = fmt::format("{{\n  \"model\": {},\n  \"layers\": [\n", json_string(info.model));
    for (size_t i = 0; i < info.layers.size(); ++i) {
        const auto &l = info.layers[i];
        std::vector<std::string> outputs;
        for (const auto &t : l.outputs) outputs.push_back(fmt::format("[{}]", fmt::join(t.dims, ",")));
        out += fmt::format("    {{\"name\": {}, \"op\": \"{}\", \"outputs\": [{}], \"params\": {}, "
                           "\"macs\": {}, \"activation_bytes\": {}",
                           json_string(l.name), ir::op_name(l.kind), fmt::join(outputs, ", "),
                           l.params, l.macs, l.activation_bytes);
        if (l.has_receptive_field)
            out += fmt::format(", \"receptive_field\": [{}, {}], \"stride\": [{}, {}]",
                               number(l.receptive_field[0]), number(l.receptive_field[1]),
                               number(l.stride[0]), number(l.stride[1]));
        out += i + 1 < info.layers.size() ? "},\n" : "}\n";
    }
    out += fmt::format("  ],\n  \"total\": {{\"params\": {}, \"statistics\": {}, \"macs\": {}, "
                       "\"activation_bytes\": {}, \"weight_bytes\": {}}},\n  \"by_kind\": [\n",
                       info.params, info.statistics, info.macs, info.activation_bytes,
                       info.weight_bytes);
    for (size_t i = 0; i < info.by_kind.size(); ++i) {
        const auto &s = info.by_kind[i];
        out += fmt::format("    {{\"op\": \"{}\", \"layers\": {}, \"params\": {}, \"macs\": {}, "
                           "\"activation_bytes\": {}}}{}\n",
                           ir::op_name(s.kind), s.layers, s.params, s.macs, s.activation_bytes,
                           i + 1 < info.by_kind.size() ? "," : "");
    }
    return out + "  ]\n}\n";
}

} // namespace cnnc::analysis
