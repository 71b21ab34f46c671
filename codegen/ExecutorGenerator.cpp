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
#include <numeric>
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
// its branches; a branch runs its kernels and the stages nested in it in order. Halide's pool
// nests the kernels' own parallel loops (and nested stages) inside a branch, so a thread whose
// branch is done helps with the others. A failing kernel's status, index and Halide message are
// kept per branch (no two threads write one slot); after the stage the lowest failing index wins,
// and its message is handed to the calling thread through halide_error, where the runtime (or the
// enclosing branch) reads it.
std::string run_function(const ir::Graph &g, const ModelPlan &plan) {
    const int32_t count = static_cast<int32_t>(plan.kernels.size());
    if (plan.concurrent.empty())
        return fmt::format("int run(unsigned char *arena, const unsigned char *weights, int32_t *failed) {{\n"
                           "    for (int32_t i = 0; i < {}; ++i)\n"
                           "        if (int status = kernels[i].call(arena, weights)) {{\n"
                           "            *failed = i;\n            return status;\n        }}\n"
                           "    return 0;\n}}\n\n",
                           count);
    std::string src = "// A branch's items in order: a kernel index, or -(s + 1) for nested stage s.\n"
                      "struct branch_items {\n    int32_t count;\n    const int32_t *items;\n};\n\n"
                      "struct stage_desc {\n    int32_t begin, num_branches;\n    const branch_items *branches;\n};\n\n";
    size_t widest = 0;
    std::vector<std::string> stage_rows;
    for (size_t s = 0; s < plan.concurrent.size(); ++s) {
        const ConcurrentKernels &stage = plan.concurrent[s];
        std::vector<std::string> rows;
        // Most work first: the pool hands out branches in table order, so the longest one
        // starts at once and the short ones fill in beside it.
        std::vector<int64_t> work;
        for (const auto &branch : stage.branches) {
            work.push_back(0);
            for (int32_t k : branch) work.back() += kernel_flops(g, plan.kernels[static_cast<size_t>(k)]);
        }
        std::vector<size_t> by_work(stage.branches.size());
        std::iota(by_work.begin(), by_work.end(), 0);
        std::stable_sort(by_work.begin(), by_work.end(), [&](size_t a, size_t b) { return work[a] > work[b]; });
        for (size_t b : by_work) {
            std::vector<int32_t> items;
            const std::vector<int32_t> &ks = stage.branches[b];
            for (size_t i = 0; i < ks.size();) {
                int32_t nested = -1;
                for (size_t c = s + 1; c < plan.concurrent.size(); ++c)
                    if (plan.concurrent[c].parent == static_cast<int32_t>(s) &&
                        plan.concurrent[c].parent_branch == static_cast<int32_t>(b) && plan.concurrent[c].begin == ks[i])
                        nested = static_cast<int32_t>(c);
                if (nested < 0) {
                    items.push_back(ks[i++]);
                    continue;
                }
                items.push_back(-(nested + 1));
                while (i < ks.size() && ks[i] < plan.concurrent[static_cast<size_t>(nested)].end) ++i;
            }
            src += fmt::format("const int32_t stage_{}_branch_{}[] = {{{}}};\n", s, b, fmt::join(items, ", "));
            rows.push_back(fmt::format("{{{}, stage_{}_branch_{}}}", items.size(), s, b));
        }
        src += fmt::format("const branch_items stage_{}_branches[] = {{{}}};\n", s, fmt::join(rows, ", "));
        stage_rows.push_back(fmt::format("    {{{}, {}, stage_{}_branches}}", stage.begin, stage.branches.size(), s));
        widest = std::max(widest, stage.branches.size());
    }
    src += fmt::format("\nconst stage_desc stages[] = {{\n{}\n}};\n\n", fmt::join(stage_rows, ",\n"));
    // Top-level steps: kernels [begin, end) one at a time, or a stage.
    std::vector<std::string> steps;
    int32_t next = 0;
    for (size_t s = 0; s < plan.concurrent.size(); ++s) {
        const ConcurrentKernels &stage = plan.concurrent[s];
        if (stage.parent >= 0) continue;
        if (next < stage.begin) steps.push_back(fmt::format("    {{{}, {}, -1}}", next, stage.begin));
        steps.push_back(fmt::format("    {{{}, {}, {}}}", stage.begin, stage.end, s));
        next = stage.end;
    }
    if (next < count) steps.push_back(fmt::format("    {{{}, {}, -1}}", next, count));
    src += "// Kernels [begin, end) in order, or (stage >= 0) that stage.\n"
           "struct step {\n    int32_t begin, end, stage;\n};\n\n";
    src += fmt::format("const step steps[] = {{\n{}\n}};\n\n", fmt::join(steps, ",\n"));
    src += fmt::format(
        "struct stage_run {{\n"
        "    unsigned char *arena;\n    const unsigned char *weights;\n    const stage_desc *stage;\n"
        "    int status[{0}];\n    int32_t failed[{0}];\n    std::string message[{0}];\n}};\n\n"
        "int run_stage(int32_t s, unsigned char *arena, const unsigned char *weights, int32_t *failed);\n\n"
        "int run_branch(void *, int b, uint8_t *closure) {{\n"
        "    stage_run &run = *reinterpret_cast<stage_run *>(closure);\n"
        "    const branch_items &branch = run.stage->branches[b];\n"
        "    cnnc::runtime::clear_halide_message();\n"
        "    for (int32_t i = 0; i < branch.count; ++i) {{\n"
        "        const int32_t item = branch.items[i];\n"
        "        int32_t failed = item;\n"
        "        const int status = item >= 0 ? kernels[item].call(run.arena, run.weights)\n"
        "                                     : run_stage(-item - 1, run.arena, run.weights, &failed);\n"
        "        if (status != 0) {{\n"
        "            run.status[b] = status;\n            run.failed[b] = failed;\n"
        "            run.message[b] = cnnc::runtime::halide_message();\n            return status;\n        }}\n"
        "    }}\n"
        "    return 0;\n}}\n\n"
        "int run_stage(int32_t s, unsigned char *arena, const unsigned char *weights, int32_t *failed) {{\n"
        "    stage_run run{{arena, weights, &stages[s], {{}}, {{}}, {{}}}};\n"
        "    const int pool = halide_do_par_for(nullptr, run_branch, 0, stages[s].num_branches, reinterpret_cast<uint8_t *>(&run));\n"
        "    if (pool == 0) return 0;\n"
        "    int first = -1;\n"
        "    for (int b = 0; b < stages[s].num_branches; ++b)\n"
        "        if (run.status[b] != 0 && (first < 0 || run.failed[b] < run.failed[first])) first = b;\n"
        "    if (first < 0) {{\n"
        "        *failed = stages[s].begin; // the thread pool failed, not a kernel\n        return pool;\n    }}\n"
        "    *failed = run.failed[first];\n"
        "    halide_error(nullptr, run.message[first].c_str());\n"
        "    return run.status[first];\n}}\n\n"
        "int run(unsigned char *arena, const unsigned char *weights, int32_t *failed) {{\n"
        "    for (const step &s : steps) {{\n"
        "        if (s.stage >= 0) {{\n"
        "            if (int status = run_stage(s.stage, arena, weights, failed)) return status;\n"
        "            continue;\n        }}\n"
        "        for (int32_t i = s.begin; i < s.end; ++i)\n"
        "            if (int status = kernels[i].call(arena, weights)) {{\n"
        "                *failed = i;\n                return status;\n            }}\n"
        "    }}\n"
        "    return 0;\n}}\n\n",
        widest);
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
    src += run_function(g, plan);
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
