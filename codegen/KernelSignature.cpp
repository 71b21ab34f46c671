// Planning a kernel: which algorithm implements an op, which buffers it reads under which shapes
// and packings, the schedule template's knobs, and the signature naming all of it.
#include "codegen/KernelSignature.h"

#include "codegen/ConvSchedules.h"
#include "codegen/GpuSchedules.h"
#include "codegen/WinogradConvKernel.h"
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <type_traits>

namespace cnnc::codegen {

const char *const codegen_version = "cnnc-codegen-11"; // 6: blocked convs with weights over 2 MiB interleave their reduction; 7: a ragged channel block runs in its own parallel loop; 8: few-channel 3x3 stride-2 direct convs read their padded input in place; 9: and copy it again (8 was 1.8x slower padded on all sides); 10: direct convs under task order 1 pad per task; 11: 1x1 convs' tasks run pixel chunks outermost
const char *const gpu_template_version = "gpu11";
// CPU kernels whose code changed for the same plan keep a generation of their own, part of their
// signatures ("|depthwise-kernel=3"), so cached objects of older ones are stale:
//   conv-depthwise          (DepthwiseConvKernel.cpp) 2: padding inlined, no per-task copy;
//                           3: ragged channel blocks shifted inwards
//   conv-grouped            (GroupedConvKernel.cpp) 1: each task pads only the input it reads
//   conv-grouped-broadcast  (GroupedConvKernel.cpp) 1
//   conv-grouped-generic    (ConvKernels.cpp) 2: groups that do not fill a vector are guarded
const std::vector<std::pair<std::string, int>> cpu_kernel_generations = {
    {"conv-depthwise", 3}, {"conv-grouped", 1}, {"conv-grouped-broadcast", 1}, {"conv-grouped-generic", 2}};
const char *const wrong_kernel_variable = "CNNC_TEST_ONLY_WRONG_KERNEL";

namespace {
const char *const wrong_kernel_mark = "|test-only-wrong-kernel";
} // namespace

bool is_deliberately_wrong(const KernelPlan &plan) {
    const std::string &sig = plan.signature;
    const std::string mark = wrong_kernel_mark;
    return sig.size() >= mark.size() && sig.compare(sig.size() - mark.size(), mark.size(), mark) == 0;
}

namespace {

// "kernel=[3, 3], stride=[1, 1], ..." from an attribute struct's fields() walker.
std::string attrs_text(const ir::Attrs &attrs) {
    return std::visit(
        [](const auto &a) {
            std::string text;
            using A = std::decay_t<decltype(a)>;
            A::fields(a, [&text](const char *name, const auto &value) {
                text += fmt::format("{}={};", name, value);
                return 0;
            });
            return text;
        },
        attrs);
}

void require_f32(const ir::Graph &g, const ir::Op &op) {
    auto check = [&](ir::ValueId v) {
        if (g.type(v).dtype != ir::DType::f32)
            user_error("{}: code generation computes in f32 only, %{} is {}", ir::describe_op(g, op),
                       g.value(v).name, ir::to_string(g.type(v)));
    };
    for (ir::ValueId v : op.inputs) check(v);
    for (ir::ValueId v : op.outputs) check(v);
}

KernelOperand standard(const ir::Graph &g, ir::ValueId v) {
    return {v, Packing::none, standard_shape(g.type(v))};
}

// The largest power of two not above `limit`, capped at `width`.
int fit_width(int width, int64_t limit) {
    while (width > 1 && width > limit) width /= 2;
    return width;
}

// Register-tile knobs for convolutions and gemm: output-channel vectors x pixels, sized so the
// accumulators fit the register file (32 vector registers with AVX-512, 16 before it) with room
// for the weight vectors and input broadcasts.
Schedule tile_schedule(int64_t channels, int64_t pixels, int64_t elements, const TargetInfo &t,
                       int max_channel_vectors) {
    Schedule s;
    s.vector_width = fit_width(t.vector_width, channels);
    s.channel_vectors = 1;
    for (int cv = max_channel_vectors; cv > 1; --cv)
        if (channels % (s.vector_width * cv) == 0) {
            s.channel_vectors = cv;
            break;
        }
    const int budget = t.vector_width >= 16 ? 24 : 12;
    s.pixel_tile = static_cast<int>(std::clamp<int64_t>(budget / s.channel_vectors, 1, 8));
    s.pixel_tile = static_cast<int>(std::min<int64_t>(s.pixel_tile, pixels));
    s.parallel = elements >= 4096;
    return s;
}

Schedule pointwise_schedule(const BufferShape &out, const TargetInfo &t) {
    Schedule s;
    s.vector_width = out.rank() > 0 ? fit_width(t.vector_width, out.extents[0]) : 1;
    s.parallel = out.span() >= 16384;
    return s;
}

std::string conv_algorithm(const ir::Graph &g, const ir::Op &op) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const int64_t in_channels = g.type(op.inputs[0]).dims[1];
    const int64_t out_channels = g.type(op.outputs[0]).dims[1];
    const bool pointwise = a.kernel == ir::Hw{1, 1} && a.stride == ir::Hw{1, 1} &&
                           a.pad == ir::Pads{0, 0, 0, 0};
    const bool depthwise = a.groups > 1 && a.groups == in_channels && out_channels % in_channels == 0;
    const std::string &chosen = a.algorithm;
    if (chosen == "gemm-1x1") {
        if (!pointwise || a.groups != 1)
            user_error("{}: algorithm gemm-1x1 needs a 1x1 kernel, stride 1, no padding and one "
                       "group",
                       ir::describe_op(g, op));
        return "conv-gemm-1x1";
    }
    if (chosen == "depthwise") {
        if (!depthwise)
            user_error("{}: algorithm depthwise needs groups == input channels ({}), found {}",
                       ir::describe_op(g, op), in_channels, a.groups);
        return "conv-depthwise";
    }
    if (chosen == "strided-1x1") {
        if (a.kernel != ir::Hw{1, 1} || a.pad != ir::Pads{0, 0, 0, 0} || a.groups != 1)
            user_error("{}: algorithm strided-1x1 needs a 1x1 kernel, no padding and one group",
                       ir::describe_op(g, op));
        return "conv-strided-1x1";
    }
    if (chosen == "im2col-gemm") {
        if (a.groups != 1)
            user_error("{}: algorithm im2col-gemm needs one group, found {}", ir::describe_op(g, op), a.groups);
        return "conv-im2col-gemm";
    }
    if (!chosen.empty() && chosen != "direct" && chosen != "winograd")
        user_error("{}: unknown conv2d algorithm '{}'", ir::describe_op(g, op), chosen);
    // direct and winograd run as the register-blocked direct convolution (winograd keeps its
    // name in the signature, so a dedicated generator can take over without touching the cache).
    if (a.groups == 1) return chosen.empty() && pointwise ? "conv-gemm-1x1" : "conv-direct";
    return depthwise ? "conv-depthwise" : "conv-grouped";
}

// The CPU plan of a conv: the blocked kernels (BlockedConvKernels.cpp) with the schedule the cost
// model ranks first, or `forced`; a grouped conv with groups narrower than a vector runs
// conv-grouped-broadcast where the model prefers it, and one whose groups fit no channel block
// runs the generic grouped kernel.
void plan_conv_cpu(const ir::Graph &g, const ir::Op &op, KernelPlan &plan, const TargetInfo &target,
                   const Schedule *forced) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::ValueId w = op.inputs[1];
    const ir::Dims &wd = g.type(w).dims;
    // Groups narrower than the machine's vector: blocks of whole groups, each lane reducing over
    // its own group's channels only (GroupedConvKernel.cpp), where the cost model says it pays.
    if (plan.algorithm == "conv-grouped" && wd[0] / a.groups < target.vector_width &&
        grouped_broadcast_pays(conv_shape_of(a, plan), target))
        plan.algorithm = "conv-grouped-broadcast";
    const ConvShape shape = conv_shape_of(a, plan);
    if (a.algorithm == "winograd" && winograd_applicable(a, shape))
        return plan_winograd_conv(shape, target, forced, plan);
    Schedule s = forced && blocked_conv_feasible(shape, *forced) ? *forced : default_conv_schedule(shape, target);
    KernelOperand &weights = plan.inputs[1];
    if (shape.depthwise) {
        weights.packing = Packing::depthwise_weights;
        weights.shape = dense_shape({wd[0], wd[3], wd[2]});
    } else if (blocked_conv_feasible(shape, s)) {
        const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
        weights.packing = Packing::blocked_conv;
        // A broadcast block reduces over one group's channels for every lane: to the packer it
        // is a conv with one group per block.
        weights.groups = shape.grouped_broadcast ? wd[0] / lanes : a.groups;
        weights.shape = dense_shape({lanes, blocked_reduction(shape, s) / (wd[2] * wd[3]), wd[3], wd[2],
                                     (wd[0] + lanes - 1) / lanes});
    } else {
        plan.algorithm = "conv-grouped-generic";
        weights.packing = Packing::grouped_weights;
        weights.shape = dense_shape({wd[0] / a.groups, wd[1], wd[3], wd[2], a.groups});
    }
    plan.schedule = s;
}

void plan_conv(const ir::Graph &g, const ir::Op &op, KernelPlan &plan, const TargetInfo &target,
               const Schedule *forced) {
    const auto &a = op.attr<ir::Conv2DAttrs>();
    const ir::Epilogue epilogue = ir::epilogue_of(op);
    const ir::ValueId x = op.inputs[0], w = op.inputs[1], y = op.outputs[0];
    if (!g.constant_data(w))
        user_error("{}: code generation needs constant conv2d weights; %{} is computed at run time",
                   ir::describe_op(g, op), g.value(w).name);
    plan.algorithm = conv_algorithm(g, op);
    // The GPU templates have no strided or im2col variant: the direct conv's tiles serve both.
    if (target.gpu() && (plan.algorithm == "conv-strided-1x1" || plan.algorithm == "conv-im2col-gemm"))
        plan.algorithm = "conv-direct";
    const ir::Dims &xd = g.type(x).dims, &wd = g.type(w).dims, &yd = g.type(y).dims;
    const int64_t out_channels = yd[1];
    KernelOperand input = standard(g, x), weights{w, Packing::conv_weights, {}};
    KernelOperand output = standard(g, y);
    if (plan.algorithm == "conv-gemm-1x1") {
        // Stride 1 and no padding: the pixels of an NHWC image are one dense axis, so the conv is
        // a matrix product [pixels, Ci] x [Ci, Co] over the same memory, with no im2col.
        input.shape = dense_shape({xd[1], xd[2] * xd[3], 1, xd[0]});
        output.shape = dense_shape({yd[1], yd[2] * yd[3], 1, yd[0]});
    }
    if (plan.algorithm == "conv-strided-1x1" || plan.algorithm == "conv-im2col-gemm") {
        // Matrix products over the output pixels: the output as one long row, as for gemm-1x1;
        // the input keeps its image shape (read at strided or window offsets).
        output.shape = dense_shape({yd[1], yd[2] * yd[3], 1, yd[0]});
    }
    if (plan.algorithm == "conv-depthwise") {
        weights.packing = Packing::depthwise_weights;
        weights.shape = dense_shape({wd[0], wd[3], wd[2]});
    } else if (plan.algorithm == "conv-grouped") {
        weights.packing = Packing::grouped_weights;
        weights.shape = dense_shape({wd[0] / a.groups, wd[1], wd[3], wd[2], a.groups});
    } else {
        weights.shape = dense_shape({wd[0], wd[1], wd[3], wd[2]});
    }
    plan.inputs = {input, weights};
    if (epilogue.bias) plan.inputs.push_back(KernelOperand{*epilogue.bias, Packing::none, dense_shape({out_channels})});
    if (epilogue.residual) plan.inputs.push_back(KernelOperand{*epilogue.residual, Packing::none, output.shape});
    plan.output = output;
    if (!target.gpu()) return plan_conv_cpu(g, op, plan, target, forced);
    const BufferShape &o = output.shape;
    const int max_cv = plan.algorithm == "conv-depthwise" ? 2 : plan.algorithm == "conv-grouped" ? 1 : 4;
    plan.schedule = tile_schedule(o.extents[0], o.extents[1], o.span(), target, max_cv);
}

void plan_gemm(const ir::Graph &g, const ir::Op &op, KernelPlan &plan, const TargetInfo &target) {
    const auto &a = op.attr<ir::GemmAttrs>();
    plan.algorithm = "gemm";
    plan.inputs.push_back(standard(g, op.inputs[0]));
    KernelOperand b = standard(g, op.inputs[1]);
    plan.output = standard(g, op.outputs[0]);
    const BufferShape &o = plan.output.shape;
    plan.schedule = tile_schedule(o.extents[0], o.extents[1], o.span(), target, 4);
    plan.schedule.pixel_tile = 1;
    if (a.trans_b && g.constant_data(op.inputs[1])) {
        const ir::Dims &bd = g.type(op.inputs[1]).dims;
        b.packing = Packing::transposed_matrix;
        b.shape = dense_shape({bd[0], bd[1]}); // [K, N] standard: N innermost
        if (!target.gpu()) {
            // A CNN's classifier at batch 1 is a matrix-vector product bound by reading B once
            // (4-400 MB). [K, N] rows make a block of columns a strided walk (one line per page
            // for N = 1000), which the prefetchers and the TLB serve at ~12 GB/s here; blocks of
            // four vectors of columns, each one contiguous stream over K, read sequentially. A
            // last partial block is padded with zero columns and its stores are guarded, so the
            // block size need not divide N.
            Schedule &s = plan.schedule;
            s.channel_vectors = static_cast<int>(std::clamp<int64_t>(bd[0] / s.vector_width, 1, 4));
            const int64_t lanes = static_cast<int64_t>(s.vector_width) * s.channel_vectors;
            b.packing = Packing::blocked_matrix;
            b.shape = dense_shape({lanes, bd[1], (bd[0] + lanes - 1) / lanes});
        }
    }
    plan.inputs.push_back(b);
    for (size_t i = 2; i < op.inputs.size(); ++i) plan.inputs.push_back(standard(g, op.inputs[i]));
    plan.schedule.parallel = o.extents[0] >= 4 * plan.schedule.vector_width;
}

} // namespace

const char *packing_name(Packing packing) {
    switch (packing) {
    case Packing::none: return "none";
    case Packing::conv_weights: return "conv";
    case Packing::depthwise_weights: return "depthwise";
    case Packing::grouped_weights: return "grouped";
    case Packing::transposed_matrix: return "transposed";
    case Packing::blocked_matrix: return "blocked-matrix";
    case Packing::blocked_conv: return "blocked";
    case Packing::winograd_weights: return "winograd";
    }
    return "?";
}

std::string Schedule::to_string() const {
    std::string text = fmt::format("vec={},cv={},px={},ru={},par={},rows={},order={}", vector_width,
                                   channel_vectors, pixel_tile, reduction_unroll, parallel, row_tile,
                                   task_order);
    if (winograd_tile) text += fmt::format(",wino={}", winograd_tile);
    return gpu.active() ? text + "," + gpu.to_string() : text;
}

uint64_t stable_hash(const std::string &text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string workload_key(const ir::Graph &g, ir::OpId op_id, int result_index, const TargetInfo &target) {
    const ir::Op &op = g.op(op_id);
    if (op.kind != ir::OpKind::conv2d) return {};
    const ir::Epilogue epilogue = ir::epilogue_of(op);
    std::string key = fmt::format("{}|{}|result={}|{}|bias={},residual={}|", target.halide_target,
                                  ir::op_name(op.kind), result_index, attrs_text(op.attrs),
                                  epilogue.bias.has_value(), epilogue.residual.has_value());
    for (ir::ValueId v : op.inputs) key += fmt::format("in{}|", ir::dims_to_string(g.type(v).dims));
    if (!target.scheduler.empty()) key += fmt::format("scheduler={}({})|", target.scheduler, target.scheduler_params);
    return key + fmt::format("out{}", ir::dims_to_string(g.type(op.outputs.at(static_cast<size_t>(result_index))).dims));
}

bool rebase_shape(const BufferShape &shape, const BufferShape &standard, const BufferShape &view, BufferShape &out) {
    if (shape == standard) {
        out = view;
        return true;
    }
    if (!(shape == dense_shape(shape.extents)) || !(standard == dense_shape(standard.extents))) return false;
    // Each dim of `shape` merges consecutive standard dims (innermost first); merged dims must be
    // evenly spaced in the view.
    out = BufferShape{shape.extents, {}};
    size_t d = 0;
    const auto rank = static_cast<size_t>(standard.rank());
    for (int64_t extent : shape.extents) {
        if (extent == 1) { // any stride addresses one element
            out.strides.push_back(d < rank ? view.strides[d] : view.span());
            continue;
        }
        while (d < rank && standard.extents[d] == 1) ++d;
        if (d == rank) return false;
        int64_t stride = view.strides[d], covered = standard.extents[d], next = stride * standard.extents[d];
        for (++d; covered < extent && d < rank; ++d) {
            if (standard.extents[d] == 1) continue;
            if (view.strides[d] != next) return false;
            covered *= standard.extents[d];
            next = view.strides[d] * standard.extents[d];
        }
        if (covered != extent) return false;
        out.strides.push_back(stride);
    }
    for (; d < rank; ++d)
        if (standard.extents[d] != 1) return false;
    return true;
}

KernelPlan plan_kernel(const ir::Graph &g, ir::OpId op_id, int result_index, const TargetInfo &target,
                       const Schedule *forced, const ValueViews *views) {
    const ir::Op &op = g.op(op_id);
    internal_assert(op.kind != ir::OpKind::input && op.kind != ir::OpKind::constant,
                    "{} needs no kernel", ir::describe_op(g, op));
    require_f32(g, op);
    KernelPlan plan;
    plan.op = op_id;
    plan.result_index = result_index;
    switch (op.kind) {
    case ir::OpKind::conv2d: plan_conv(g, op, plan, target, forced); break;
    case ir::OpKind::gemm: plan_gemm(g, op, plan, target); break;
    default:
        plan.algorithm = std::string(ir::op_name(op.kind));
        for (ir::ValueId v : op.inputs) plan.inputs.push_back(standard(g, v));
        plan.output = standard(g, op.outputs.at(static_cast<size_t>(result_index)));
        plan.schedule = pointwise_schedule(plan.output.shape, target);
        break;
    }
    if (views && !views->empty()) {
        auto rebase = [&](KernelOperand &o) {
            auto it = views->find(o.value);
            if (it == views->end() || g.constant_data(o.value)) return;
            BufferShape shape;
            internal_assert(rebase_shape(o.shape, standard_shape(g.type(o.value)), it->second, shape),
                            "{}: %{} read as {} cannot lie in the view {}", ir::describe_op(g, op),
                            g.value(o.value).name, o.shape.to_string(), it->second.to_string());
            o.shape = shape;
        };
        for (KernelOperand &in : plan.inputs) rebase(in);
        rebase(plan.output);
    }
    if (target.gpu()) plan_for_gpu(g, plan, target, forced);
    // The signature: everything the generated code depends on, and nothing else (no names, no
    // weight values), so equal workloads share one object.
    std::string sig = fmt::format("{}|{}|{}|result={}|{}|", codegen_version, target.halide_target,
                                  plan.algorithm, result_index, attrs_text(op.attrs));
    const ir::Epilogue epilogue = (op.kind == ir::OpKind::conv2d || op.kind == ir::OpKind::gemm)
                                      ? ir::epilogue_of(op)
                                      : ir::Epilogue{};
    sig += fmt::format("bias={},residual={}|", epilogue.bias.has_value(), epilogue.residual.has_value());
    for (const KernelOperand &in : plan.inputs)
        sig += fmt::format("in{}{}{}|", ir::dims_to_string(g.type(in.value).dims), packing_name(in.packing),
                           in.shape.to_string());
    sig += fmt::format("out{}{}|{}", ir::dims_to_string(g.type(plan.output.value).dims),
                       plan.output.shape.to_string(), plan.schedule.to_string());
    if (!target.scheduler.empty()) sig += fmt::format("|scheduler={}({})", target.scheduler, target.scheduler_params);
    if (const char *wrong = std::getenv(wrong_kernel_variable); wrong && plan.algorithm == wrong) sig += wrong_kernel_mark;
    if (!target.gpu())
        for (const auto &[algorithm, generation] : cpu_kernel_generations)
            if (plan.algorithm == algorithm) sig += fmt::format("|{}-kernel={}", algorithm.substr(5), generation);
    plan.signature = sig;
    plan.function_name = fmt::format("cnnc_k_{:016x}", stable_hash(sig));
    return plan;
}

std::string generator_generation() {
    std::string text = codegen_version;
    for (const auto &[algorithm, generation] : cpu_kernel_generations)
        text += fmt::format("+{}-kernel={}", algorithm.substr(5), generation);
    return text + "+" + gpu_template_version;
}

} // namespace cnnc::codegen
