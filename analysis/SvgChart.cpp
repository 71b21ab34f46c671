// A minimal SVG writer for the per-layer cost chart: plain rects and text, no scripts or
// external styles, so any browser or image viewer shows it.
#include "analysis/SvgChart.h"

#include "ir/Error.h"
#include "ir/OpKind.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

namespace cnnc::analysis {

namespace {

std::string escape(const std::string &s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string short_value(double v, bool bytes) {
    const char *units[] = {"", "K", "M", "G", "T"};
    const double base = bytes ? 1024 : 1000;
    int u = 0;
    while (v >= base && u < 4) v /= base, ++u;
    return fmt::format("{:.3g}{}{}", v, units[u], bytes ? "B" : "");
}

struct Panel {
    const char *title;
    const char *colour;
    bool bytes;
    std::function<int64_t(const LayerInfo &)> value;
};

} // namespace

std::string render_svg(const ModelInfo &info) {
    std::vector<const LayerInfo *> layers;
    for (const auto &l : info.layers)
        if (l.macs > 0 || l.params > 0 || (l.kind != ir::OpKind::relu && l.kind != ir::OpKind::clip &&
                                           l.kind != ir::OpKind::flatten && l.kind != ir::OpKind::input &&
                                           l.activation_bytes > 0))
            layers.push_back(&l);
    const Panel panels[] = {
        {"MACs", "#d9534f", false, [](const LayerInfo &l) { return l.macs; }},
        {"parameters", "#337ab7", false, [](const LayerInfo &l) { return l.params; }},
        {"activation memory", "#5cb85c", true, [](const LayerInfo &l) { return l.activation_bytes; }},
    };
    const double left = 70, right = 20, top = 50, panel_h = 160, gap = 40;
    const double bar_w = std::clamp(900.0 / std::max<size_t>(layers.size(), 1), 2.0, 24.0);
    const bool labels = bar_w >= 10; // names under the bars only when they fit
    const double label_h = labels ? 140 : 20;
    const double width = left + right + bar_w * static_cast<double>(layers.size());
    const double height = top + 3 * (panel_h + gap) + label_h;

    std::string svg = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
        "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"sans-serif\" font-size=\"11\">\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"{2:.0f}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{3}: per-layer cost "
        "({4} layers shown of {5})</text>\n",
        std::max(width, 420.0), height, left, escape(info.model), layers.size(), info.layers.size());
    for (int p = 0; p < 3; ++p) {
        const Panel &panel = panels[p];
        const double y0 = top + p * (panel_h + gap); // panel top
        int64_t max_value = 0, total = 0;
        for (const auto *l : layers) max_value = std::max(max_value, panel.value(*l)), total += panel.value(*l);
        svg += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" font-weight=\"bold\">{} (sum of bars {}, "
                           "max {} per layer)</text>\n",
                           left, y0 - 6, panel.title, short_value(static_cast<double>(total), panel.bytes),
                           short_value(static_cast<double>(max_value), panel.bytes));
        svg += fmt::format("<line x1=\"{0:.0f}\" y1=\"{1:.0f}\" x2=\"{0:.0f}\" y2=\"{2:.0f}\" "
                           "stroke=\"#888\"/>\n"
                           "<line x1=\"{0:.0f}\" y1=\"{2:.0f}\" x2=\"{3:.0f}\" y2=\"{2:.0f}\" "
                           "stroke=\"#888\"/>\n",
                           left, y0, y0 + panel_h, width - right);
        svg += fmt::format("<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">{}</text>\n"
                           "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">0</text>\n",
                           left - 4, y0 + 10, short_value(static_cast<double>(max_value), panel.bytes),
                           left - 4, y0 + panel_h);
        for (size_t i = 0; i < layers.size(); ++i) {
            const int64_t v = panel.value(*layers[i]);
            if (v <= 0 || max_value <= 0) continue;
            const double h = panel_h * static_cast<double>(v) / static_cast<double>(max_value);
            svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                               "fill=\"{}\"><title>{} ({}): {}</title></rect>\n",
                               left + bar_w * static_cast<double>(i) + 0.5, y0 + panel_h - h,
                               std::max(bar_w - 1.0, 1.0), std::max(h, 0.5), panel.colour,
                               escape(layers[i]->name), ir::op_name(layers[i]->kind),
                               short_value(static_cast<double>(v), panel.bytes));
        }
    }
    if (labels) {
        const double y = top + 3 * (panel_h + gap) - gap + 8;
        for (size_t i = 0; i < layers.size(); ++i) {
            const double x = left + bar_w * (static_cast<double>(i) + 0.5);
            svg += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(60)\" "
                               "font-size=\"9\">{}</text>\n",
                               x, y, escape(layers[i]->name));
        }
    }
    return svg + "</svg>\n";
}

void write_svg(const std::string &path, const ModelInfo &info) {
    const std::string text = render_svg(info);
    const std::string temp = path + ".tmp";
    std::FILE *f = std::fopen(temp.c_str(), "wb");
    if (!f) user_error("{}: cannot write: {}", path, std::strerror(errno));
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const bool closed = std::fclose(f) == 0;
    if (!written || !closed) {
        std::remove(temp.c_str());
        user_error("{}: cannot write: {}", path, std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        user_error("{}: cannot write: {}", path, ec.message());
    }
}

} // namespace cnnc::analysis
