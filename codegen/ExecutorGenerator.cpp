// Model planning, memory planning and executor generation (see ExecutorGenerator.h).
#include "codegen/ExecutorGenerator.h"

#include "codegen/KernelFlops.h"
#include "codegen/WeightPacking.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "ir/Traversal.h"
#include "passes/MemoryPlanner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace cnnc::codegen {

namespace {

int64_t aligned(int64_t bytes, int64_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

std::string c_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 32) out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
        else out += c;
    }
    return out + "\"";
}

// The strided view of `v` inside `root`'s buffer: v's extents, root's strides (both standard
// layout, so their dims correspond).
BufferShape view_in(const ir::Graph &g, ir::ValueId v, ir::ValueId root) {
    BufferShape view = standard_shape(g.type(v));
    view.strides = standard_shape(g.type(root)).strides;
    return view;
}

// The standard kernel operands that address each value (its producer's output, its readers'
// inputs), to decide where a value may be a strided view.
std::map<ir::ValueId, std::vector<BufferShape>> operand_shapes(const ir::Graph &g, const std::vector<KernelPlan> &kernels) {
    std::map<ir::ValueId, std::vector<BufferShape>> shapes;
    for (const KernelPlan &k : kernels) {
        for (const KernelOperand &in : k.inputs)
            if (!g.constant_data(in.value)) shapes[in.value].push_back(in.shape);
        shapes[k.output.value].push_back(k.output.shape);
    }
    return shapes;
}

// run(): the kernels in order, except that each concurrent stage is one halide_do_par_for over
// its branches. Halide's pool nests the kernels' own parallel loops inside a branch, so a thread
// whose branch is done helps with the others. A failing kernel's status, index and Halide message
// are kept per branch (no two threads write one slot); after the stage the lowest failing index
// wins, and its message is handed to the calling thread through halide_error, where the runtime
// reads it.
std::string run_function(const ModelPlan &plan) {
    const int32_t count = static_cast<int32_t>(plan.kernels.size());
    if (plan.concurrent.empty())
        return fmt::format("int run(unsigned char *arena, const unsigned char *weights, int32_t *failed) {{\n"
                           "    for (int32_t i = 0; i < {}; ++i)\n"
                           "        if (int status = kernels[i].call(arena, weights)) {{\n"
                           "            *failed = i;\n            return status;\n        }}\n"
                           "    return 0;\n}}\n\n",
                           count);
    std::string src = "struct branch_kernels {\n    int32_t count;\n    const int32_t *kernels;\n};\n\n"
                      "// kernels [begin, end); a stage with branches runs them concurrently.\n"
                      "struct step {\n    int32_t begin, end, num_branches;\n    const branch_kernels *branches;\n};\n\n";
    std::vector<std::string> steps;
    size_t widest = 0;
    int32_t next = 0;
    for (size_t s = 0; s < plan.concurrent.size(); ++s) {
        const ConcurrentKernels &stage = plan.concurrent[s];
        if (next < stage.begin) steps.push_back(fmt::format("    {{{}, {}, 0, nullptr}}", next, stage.begin));
        std::vector<std::string> rows;
        for (size_t b = 0; b < stage.branches.size(); ++b) {
            src += fmt::format("const int32_t stage_{}_branch_{}[] = {{{}}};\n", s, b, fmt::join(stage.branches[b], ", "));
            rows.push_back(fmt::format("{{{}, stage_{}_branch_{}}}", stage.branches[b].size(), s, b));
        }
        src += fmt::format("const branch_kernels stage_{}[] = {{{}}};\n", s, fmt::join(rows, ", "));
        steps.push_back(fmt::format("    {{{}, {}, {}, stage_{}}}", stage.begin, stage.end, stage.branches.size(), s));
        widest = std::max(widest, stage.branches.size());
        next = stage.end;
    }
    if (next < count) steps.push_back(fmt::format("    {{{}, {}, 0, nullptr}}", next, count));
    src += fmt::format("\nconst step steps[] = {{\n{}\n}};\n\n", fmt::join(steps, ",\n"));
    src += fmt::format(
        "struct stage_run {{\n"
        "    unsigned char *arena;\n    const unsigned char *weights;\n    const branch_kernels *branches;\n"
        "    int status[{0}];\n    int32_t failed[{0}];\n    std::string message[{0}];\n}};\n\n"
        "int run_branch(void *, int b, uint8_t *closure) {{\n"
        "    stage_run &stage = *reinterpret_cast<stage_run *>(closure);\n"
        "    const branch_kernels &branch = stage.branches[b];\n"
        "    cnnc::runtime::clear_halide_message();\n"
        "    for (int32_t i = 0; i < branch.count; ++i)\n"
        "        if (int status = kernels[branch.kernels[i]].call(stage.arena, stage.weights)) {{\n"
        "            stage.status[b] = status;\n            stage.failed[b] = branch.kernels[i];\n"
        "            stage.message[b] = cnnc::runtime::halide_message();\n            return status;\n        }}\n"
        "    return 0;\n}}\n\n",
        widest);
    src += fmt::format(
        "int run(unsigned char *arena, const unsigned char *weights, int32_t *failed) {{\n"
        "    for (const step &s : steps) {{\n"
        "        if (s.num_branches == 0) {{\n"
        "            for (int32_t i = s.begin; i < s.end; ++i)\n"
        "                if (int status = kernels[i].call(arena, weights)) {{\n"
        "                    *failed = i;\n                    return status;\n                }}\n"
        "            continue;\n        }}\n"
        "        stage_run stage{{arena, weights, s.branches, {{}}, {{}}, {{}}}};\n"
        "        const int pool = halide_do_par_for(nullptr, run_branch, 0, s.num_branches, reinterpret_cast<uint8_t *>(&stage));\n"
        "        if (pool == 0) continue;\n"
        "        int first = -1;\n"
        "        for (int b = 0; b < s.num_branches; ++b)\n"
        "            if (stage.status[b] != 0 && (first < 0 || stage.failed[b] < stage.failed[first])) first = b;\n"
        "        if (first < 0) {{\n"
        "            *failed = s.begin; // the thread pool failed, not a kernel\n            return pool;\n        }}\n"
        "        *failed = stage.failed[first];\n"
        "        halide_error(nullptr, stage.message[first].c_str());\n"
        "        return stage.status[first];\n"
        "    }}\n"
        "    return 0;\n}}\n\n");
    return src;
}

} // namespace

ModelPlan plan_model(const ir::Graph &g, const TargetInfo &target, const TunedSchedules *tuned,
                     const BranchConcurrencyOptions &concurrency) {
    ModelPlan plan;
    plan.alignment = target.gpu() ? 512 : 64;
    const std::vector<ir::OpId> order = ir::topological_order(g);
    const std::vector<bool> live = ir::live_ops(g);
    auto forced_schedule = [&](ir::OpId id, int r) -> const Schedule * {
        if (!tuned || tuned->empty()) return nullptr;
        auto it = tuned->find(workload_key(g, id, r, target));
        return it == tuned->end() ? nullptr : &it->second;
    };
    // Every kernel with dense operands first: what they read and write decides where a value
    // may be a strided view.
    std::vector<KernelPlan> dense;
    for (ir::OpId id : order) {
        const ir::Op &op = g.op(id);
        if (!live[static_cast<size_t>(id)] || op.kind == ir::OpKind::input || op.kind == ir::OpKind::constant) continue;
        for (size_t r = 0; r < op.outputs.size(); ++r)
            dense.push_back(plan_kernel(g, id, static_cast<int>(r), target, forced_schedule(id, static_cast<int>(r))));
    }
    const auto shapes = operand_shapes(g, dense);
    passes::MemoryPlanOptions options;
    options.alignment = plan.alignment;
    options.boundary_in_arena = true;
    options.may_be_slice = [&](ir::ValueId v, ir::ValueId root) {
        if (target.gpu()) return false;
        const BufferShape standard = standard_shape(g.type(v)), view = view_in(g, v, root);
        auto it = shapes.find(v);
        if (it == shapes.end()) return true;
        BufferShape rebased;
        for (const BufferShape &shape : it->second)
            if (!rebase_shape(shape, standard, view, rebased)) return false;
        return true;
    };
    // GPU kernels are queued on one device stream; their branches gain nothing from host threads.
    std::vector<ConcurrentOps> stages;
    if (!target.gpu()) stages = concurrent_stages(g, concurrency);
    for (const ConcurrentOps &stage : stages) {
        std::vector<ir::OpId> ops;
        for (const auto &branch : stage.branches) ops.insert(ops.end(), branch.begin(), branch.end());
        options.concurrent.push_back(std::move(ops));
    }
    const passes::MemoryPlan memory = passes::plan_memory_layout(g, options);
    plan.arena_bytes = memory.peak_bytes;
    plan.unplanned_bytes = memory.unplanned_bytes;
    plan.copy_free_concats = memory.copy_free_concats;
    plan.copied_concats = memory.copied_concats;
    ValueViews views;
    for (size_t v = 0; v < g.values().size(); ++v) {
        const auto value = static_cast<ir::ValueId>(v);
        if (!memory.planned(value)) continue;
        plan.arena[value] = memory.offset[v];
        if (!memory.is_slice(value)) continue;
        const ir::ValueId root = memory.root[v];
        const BufferShape view = view_in(g, value, root);
        // The planner's byte offsets use its own statement of the layout; they must agree.
        int64_t first = 0;
        const std::vector<int> axes = standard_axes(g.type(root).rank());
        for (size_t d = 0; d < axes.size(); ++d)
            first += memory.start[v][static_cast<size_t>(axes[d])] * view.strides[d];
        internal_assert(memory.offset[v] == memory.offset[static_cast<size_t>(root)] + first * static_cast<int64_t>(sizeof(float)),
                        "%{}: the memory plan's offset {} disagrees with the standard layout's {}", g.value(value).name,
                        memory.offset[v], memory.offset[static_cast<size_t>(root)] + first * static_cast<int64_t>(sizeof(float)));
        views[value] = view;
    }

    auto add_weights = [&](const KernelOperand &operand) {
        const auto key = std::make_pair(operand.value, operand.packing);
        if (plan.weight_offsets.count(key)) return;
        const std::vector<float> packed = pack_operand(g, operand);
        const auto offset = static_cast<int64_t>(plan.weights.size());
        plan.weight_offsets[key] = offset;
        plan.weights.resize(static_cast<size_t>(
            aligned(offset + static_cast<int64_t>(packed.size() * sizeof(float)), plan.alignment)));
        std::memcpy(plan.weights.data() + offset, packed.data(), packed.size() * sizeof(float));
    };
    for (KernelPlan &kernel : dense) {
        if (memory.in_place[static_cast<size_t>(kernel.op)]) continue; // its results are already in place
        bool viewed = views.count(kernel.output.value) > 0;
        for (const KernelOperand &in : kernel.inputs) viewed |= views.count(in.value) > 0;
        if (viewed)
            kernel = plan_kernel(g, kernel.op, kernel.result_index, target, forced_schedule(kernel.op, kernel.result_index),
                                 &views);
        for (const KernelOperand &in : kernel.inputs)
            if (g.constant_data(in.value)) add_weights(in);
        plan.kernels.push_back(std::move(kernel));
    }
    // Constants that are graph outputs are read from the blob by the runtime.
    for (ir::ValueId v : g.outputs())
        if (g.constant_data(v)) add_weights(KernelOperand{v, Packing::none, standard_shape(g.type(v))});
    plan.concurrent = kernel_stages(stages, plan.kernels);
    plan.memory = memory;
    const std::vector<std::string> overlaps = concurrent_overlaps(g, plan.memory, plan.kernels, plan.concurrent);
    internal_assert(overlaps.empty(), "concurrent branches share arena bytes: {}", overlaps.front());
    return plan;
}

std::string generate_executor(const ir::Graph &g, const ModelPlan &plan) {
    std::string src = fmt::format(
        "// The executor of model '{}', generated by cnnc: calls the kernels in order over one\n"
        "// arena. Do not edit; recompile the model instead.\n"
        "#include \"runtime/DeviceRuntime.h\"\n#include \"runtime/ModelInterface.h\"\n\n#include <HalideRuntime.h>\n\n"
        "#include <cstring>\n#include <string>\n\n"
        "extern \"C\" {{\nextern const unsigned char cnnc_weights_data[];\n",
        g.name);
    std::set<std::string> declared;
    for (const KernelPlan &k : plan.kernels)
        if (declared.insert(k.function_name).second) {
            std::vector<std::string> params(k.inputs.size() + 1, "halide_buffer_t *");
            src += fmt::format("int {}({});\n", k.function_name, fmt::join(params, ", "));
        }
    src += "}\n\nnamespace {\n\n"
           "inline void describe(halide_buffer_t &b, halide_dimension_t *dims, int rank, const unsigned char *host) {\n"
           "    std::memset(&b, 0, sizeof b);\n"
           "    b.host = const_cast<uint8_t *>(host);\n"
           "    b.type = halide_type_t(halide_type_float, 32, 1);\n"
           "    b.dimensions = rank;\n"
           "    b.dim = dims;\n"
           "}\n\n";
    auto where = [&](const KernelOperand &o) {
        if (g.constant_data(o.value))
            return fmt::format("weights + {}", plan.weight_offsets.at({o.value, o.packing}));
        return fmt::format("arena + {}", plan.arena.at(o.value));
    };
    auto buffer = [&](const std::string &name, const KernelOperand &o, const std::string &host) {
        std::vector<std::string> dims;
        for (int64_t d = 0; d < o.shape.rank(); ++d)
            dims.push_back(fmt::format("{{0, {}, {}, 0}}", o.shape.extents[static_cast<size_t>(d)],
                                       o.shape.strides[static_cast<size_t>(d)]));
        if (dims.empty()) dims.push_back("{0, 1, 1, 0}");
        return fmt::format("    halide_dimension_t {0}_dims[] = {{{1}}};\n    halide_buffer_t {0};\n"
                           "    describe({0}, {0}_dims, {2}, {3});\n",
                           name, fmt::join(dims, ", "), o.shape.rank(), host);
    };
    // One function per kernel call, so the runtime can also run a kernel alone (cnnc_run_kernel)
    // and time each one; run() calls them in order through the table below.
    std::vector<std::string> kernel_names, kernel_rows;
    for (size_t i = 0; i < plan.kernels.size(); ++i) {
        const KernelPlan &k = plan.kernels[i];
        const ir::Op &op = g.op(k.op);
        const std::string what = fmt::format("%{} = {} ({})", g.value(k.output.value).name,
                                             ir::op_name(op.kind), k.algorithm);
        kernel_names.push_back(what);
        src += fmt::format("// {}\nint kernel_{}(unsigned char *arena, const unsigned char *weights) {{\n", what, i);
        std::vector<std::string> args, operands;
        auto operand = [&](const KernelOperand &o) {
            internal_assert(o.shape.rank() <= 8, "a kernel operand of rank {} (at most 8)", o.shape.rank());
            const bool constant = g.constant_data(o.value) != nullptr;
            const int64_t offset = constant ? plan.weight_offsets.at({o.value, o.packing}) : plan.arena.at(o.value);
            std::vector<int64_t> extents = o.shape.extents, strides = o.shape.strides;
            extents.resize(8, 0);
            strides.resize(8, 0);
            operands.push_back(fmt::format("{{{}, {}, {}, {{{}}}, {{{}}}}}", constant ? 1 : 0, o.shape.rank(), offset,
                                           fmt::join(extents, ", "), fmt::join(strides, ", ")));
        };
        for (size_t a = 0; a < k.inputs.size(); ++a) {
            src += buffer(fmt::format("in{}", a), k.inputs[a], where(k.inputs[a]));
            args.push_back(fmt::format("&in{}", a));
            operand(k.inputs[a]);
        }
        src += buffer("out", k.output, where(k.output));
        args.push_back("&out");
        operand(k.output);
        src += fmt::format("    return {}({});\n}}\nconst cnnc_model_operand kernel_{}_operands[] = {{\n    {}\n}};\n\n",
                           k.function_name, fmt::join(args, ", "), i, fmt::join(operands, ",\n    "));
        kernel_rows.push_back(fmt::format("    {{{}, {}, {}, {}, kernel_{}_operands, kernel_{}}}", c_string(k.function_name),
                                          c_string(k.algorithm), kernel_flops(g, k), operands.size(), i, i));
    }
    if (kernel_rows.empty()) kernel_rows.push_back("    {\"\", \"\", 0, 0, nullptr, nullptr}");
    src += fmt::format("const cnnc_model_kernel kernels[] = {{\n{}\n}};\n\n", fmt::join(kernel_rows, ",\n"));
    src += run_function(plan);
    auto tensors = [&](const std::string &name, const std::vector<ir::ValueId> &values) {
        std::vector<std::string> rows;
        for (ir::ValueId v : values) {
            const ir::TensorType &t = g.type(v);
            internal_assert(t.rank() <= 8, "%{} has rank {} (at most 8 cross the C ABI)", g.value(v).name, t.rank());
            const bool constant = g.constant_data(v) != nullptr;
            const int64_t offset = constant ? plan.weight_offsets.at({v, Packing::none}) : plan.arena.at(v);
            std::vector<int64_t> dims = t.dims;
            dims.resize(8, 0);
            rows.push_back(fmt::format("    {{{}, {}, {{{}}}, {}, {}}}", c_string(g.value(v).name), t.rank(),
                                       fmt::join(dims, ", "), constant ? 1 : 0, offset));
        }
        if (rows.empty()) rows.push_back("    {\"\", 0, {0}, 0, 0}");
        return fmt::format("const cnnc_model_tensor {}[] = {{\n{}\n}};\n", name, fmt::join(rows, ",\n"));
    };
    src += tensors("inputs", g.inputs());
    src += tensors("outputs", g.outputs());
    std::vector<std::string> names;
    for (const auto &n : kernel_names) names.push_back("    " + c_string(n));
    if (names.empty()) names.push_back("    \"\"");
    src += fmt::format("const char *const kernel_names[] = {{\n{}\n}};\n\n}} // namespace\n\n", fmt::join(names, ",\n"));
    src += fmt::format("extern \"C\" const cnnc_model *cnnc_model_definition(void) {{\n"
                       "    static const cnnc_model model = {{{}, {}, {}, inputs, outputs, {}, cnnc_weights_data, {}, kernel_names, run, kernels}};\n"
                       "    return &model;\n}}\n",
                       c_string(g.name), g.inputs().size(), g.outputs().size(), plan.arena_bytes, plan.kernels.size());
    return src;
}

} // namespace cnnc::codegen
