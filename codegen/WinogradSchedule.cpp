// Planning a Winograd conv (see WinogradConvKernel.h): when the kernel applies, its template
// schedule, and the packed shape of its transformed weights.
#include "codegen/WinogradConvKernel.h"

#include <algorithm>
#include <set>
#include <string>

namespace cnnc::codegen {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The largest power of two, at most `width`, that divides `channels`.
int dividing_width(int width, int64_t channels) {
    while (width > 1 && channels % width != 0) width /= 2;
    return width;
}

} // namespace

bool winograd_applicable(const ir::Conv2DAttrs &a, const ConvShape &shape) {
    return a.kernel == ir::Hw{3, 3} && a.stride == ir::Hw{1, 1} && a.dilation == ir::Hw{1, 1} && a.groups == 1 &&
           !shape.depthwise && shape.out_channels % 4 == 0;
}

bool winograd_schedule_feasible(const ConvShape &shape, const Schedule &s) {
    if (s.winograd_tile != 2 && s.winograd_tile != 4) return false;
    if (s.vector_width < 1 || s.channel_vectors < 1 || s.pixel_tile < 1 || s.row_tile < 1) return false;
    const int64_t tiles_x = ceil_div(shape.width, s.winograd_tile), tiles_y = ceil_div(shape.height, s.winograd_tile);
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    return shape.out_channels % lanes == 0 && s.pixel_tile <= tiles_x && s.row_tile <= tiles_y &&
           (s.task_order == 0 || s.task_order == 1);
}

int default_winograd_tile(const ConvShape &shape) { return shape.height * shape.width >= 28 * 28 ? 4 : 2; }

Schedule default_winograd_schedule(const ConvShape &shape, const TargetInfo &target, int m) {
    Schedule s;
    s.winograd_tile = m;
    s.vector_width = dividing_width(target.vector_width, shape.out_channels);
    s.channel_vectors = shape.out_channels % (2 * s.vector_width) == 0 ? 2 : 1;
    const int t = s.winograd_tile + 2;
    const int64_t tiles_x = ceil_div(shape.width, s.winograd_tile), tiles_y = ceil_div(shape.height, s.winograd_tile);
    // Accumulators cv x px plus cv weight vectors within the register file (32 with AVX-512).
    const int registers = target.vector_width >= 16 ? 32 : 16;
    const int max_px = std::clamp((registers - 4) / s.channel_vectors - 1, 1, 12);
    // The register tile that wastes the fewest tiles at the row's end, the larger on a tie.
    int64_t best_waste = -1;
    for (int px = std::min<int64_t>(max_px, tiles_x); px >= std::max(1, max_px / 2); --px) {
        const int64_t waste = ceil_div(tiles_x, px) * px - tiles_x;
        if (best_waste < 0 || waste < best_waste) {
            best_waste = waste;
            s.pixel_tile = px;
        }
    }
    if (tiles_x < max_px / 2) s.pixel_tile = static_cast<int>(tiles_x);
    // Every task of order 0 reads all transformed weights: once they outgrow L2 (about 1 MB),
    // transform the input once and split the work over channel blocks instead.
    const double weight_bytes = static_cast<double>(t * t) * static_cast<double>(shape.in_channels) *
                                static_cast<double>(shape.out_channels) * 4.0;
    s.task_order = weight_bytes > 1.5e6 ? 1 : 0;
    s.row_tile = s.task_order == 1 ? static_cast<int>(tiles_y) : 1;
    s.parallel = true;
    return s;
}

std::vector<Schedule> winograd_candidates(const ConvShape &shape, const TargetInfo &target) {
    const Schedule first = default_winograd_schedule(shape, target, default_winograd_tile(shape));
    const int registers = target.vector_width >= 16 ? 32 : 16;
    std::vector<std::pair<int, Schedule>> ranked; // (knobs that differ from the template, schedule)
    ranked.emplace_back(-1, first);               // measured first, whatever the loops below cover
    for (int m : {2, 4}) {
        const Schedule base = default_winograd_schedule(shape, target, m);
        for (int vec : {target.vector_width, target.vector_width / 2})
            for (int cv = 1; cv <= 4; ++cv)
                for (int px = 1; px <= 12; ++px)
                    for (int order : {0, 1}) {
                        const int64_t tiles_y = ceil_div(shape.height, m);
                        for (int64_t rows : {int64_t{1}, int64_t{2}, int64_t{4}, tiles_y}) {
                            Schedule s = base;
                            s.winograd_tile = m;
                            s.vector_width = vec;
                            s.channel_vectors = cv;
                            s.pixel_tile = px;
                            s.task_order = order;
                            s.row_tile = static_cast<int>(std::min(rows, tiles_y));
                            // cv x px accumulators plus cv weight vectors must fit the registers.
                            if (vec < 1 || cv * (px + 1) > registers - 2 || !winograd_schedule_feasible(shape, s))
                                continue;
                            const int differ = (m != first.winograd_tile) + (vec != base.vector_width) +
                                               (cv != base.channel_vectors) + (px != base.pixel_tile) +
                                               (order != base.task_order) + (s.row_tile != base.row_tile);
                            ranked.emplace_back(differ, s);
                        }
                    }
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<Schedule> out;
    std::set<std::string> seen;
    for (auto &[differ, s] : ranked)
        if (seen.insert(s.to_string()).second) out.push_back(s);
    return out;
}

void plan_winograd_conv(const ConvShape &shape, const TargetInfo &target, const Schedule *forced, KernelPlan &plan) {
    const Schedule s =
        forced && winograd_schedule_feasible(shape, *forced) ? *forced
                                                             : default_winograd_schedule(shape, target, default_winograd_tile(shape));
    const int64_t t = s.winograd_tile + 2;
    const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
    plan.algorithm = "conv-winograd";
    plan.schedule = s;
    KernelOperand &weights = plan.inputs.at(1);
    weights.packing = Packing::winograd_weights;
    weights.shape = dense_shape({lanes, shape.in_channels, t * t, shape.out_channels / lanes});
}

} // namespace cnnc::codegen
