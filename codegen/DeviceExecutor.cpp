// The GPU half of the executor (see DeviceExecutor.h). Device memory: one arena and one copy of
// the weights per instance, allocated and uploaded at instance creation; every kernel operand is
// a fixed view into one of them, so a run allocates nothing and copies only the inputs in and the
// outputs out.
#include "codegen/DeviceExecutor.h"

#include "ir/Error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cnnc::codegen {

std::string generate_device_executor(const ir::Graph &g, const ModelPlan &plan, const TargetInfo &target) {
    std::string src = "\n#include \"runtime/DeviceModel.h\"\n\n";
    if (!target.gpu())
        return src + "extern \"C\" const cnnc_device_model *cnnc_device_model_definition(void) { return nullptr; }\n";
    const bool cuda = target.gpu_api == "cuda";
    src += cuda ? "#include <HalideRuntimeCuda.h>\n" : "#include <HalideRuntimeOpenCL.h>\n";
    // The context entry points exist in Halide's runtime but not in its public headers.
    src += cuda ? "extern \"C\" int halide_cuda_acquire_context(void *, void **, bool);\n"
                  "extern \"C\" int halide_cuda_release_context(void *);\n"
                : "extern \"C\" int halide_acquire_cl_context(void *, void **, void **, bool);\n"
                  "extern \"C\" int halide_release_cl_context(void *);\n";
    std::vector<std::string> rows, calls, cases;
    int index = 0;
    for (size_t i = 0; i < plan.kernels.size(); ++i) {
        const KernelPlan &k = plan.kernels[i];
        std::vector<std::string> args;
        auto operand = [&](const KernelOperand &o) {
            internal_assert(o.shape.rank() <= 8, "a kernel operand of rank {}", o.shape.rank());
            const bool constant = g.constant_data(o.value) != nullptr;
            const int64_t offset = constant ? plan.weight_offsets.at({o.value, o.packing}) : plan.arena.at(o.value);
            std::vector<int64_t> extents = o.shape.extents, strides = o.shape.strides;
            extents.resize(8, 0);
            strides.resize(8, 0);
            rows.push_back(fmt::format("    {{{}, {}, {}, {{{}}}, {{{}}}}}", constant ? 1 : 0, o.shape.rank(), offset,
                                       fmt::join(extents, ", "), fmt::join(strides, ", ")));
            args.push_back(fmt::format("b[{}]", index++));
        };
        const int first = index;
        for (const KernelOperand &in : k.inputs) operand(in);
        operand(k.output);
        std::vector<std::string> local;
        for (int a = 0; a < index - first; ++a) local.push_back(fmt::format("b[{}]", a));
        cases.push_back(fmt::format("    case {}: return {}({});\n", i, k.function_name, fmt::join(local, ", ")));
        calls.push_back(fmt::format("    if (int status = {}({})) {{\n        *failed = {};\n        return status;\n    }}\n",
                                    k.function_name, fmt::join(args, ", "), i));
    }
    if (rows.empty()) rows.push_back("    {0, 0, 0, {0}, {0}}");
    src += fmt::format("\nnamespace {{\n\nconst cnnc_device_operand device_operands[] = {{\n{}\n}};\n\n", fmt::join(rows, ",\n"));
    src += fmt::format("int run_device(halide_buffer_t *const *b, int32_t *failed) {{\n{}    return 0;\n}}\n\n",
                       fmt::join(calls, ""));
    // One kernel alone: `b` starts at its first operand. An index out of range is the runtime's
    // bug (it checks), reported as Halide's generic error.
    src += fmt::format("int run_device_kernel(int32_t kernel, halide_buffer_t *const *b) {{\n"
                       "    switch (kernel) {{\n{}    default: return -1;\n    }}\n}}\n\n",
                       fmt::join(cases, ""));
    if (cuda)
        src += "int device_context(uint64_t *context, uint64_t *queue) {\n"
               "    void *ctx = nullptr;\n"
               "    if (int status = halide_cuda_acquire_context(nullptr, &ctx, true)) return status;\n"
               "    halide_cuda_release_context(nullptr);\n"
               "    *context = reinterpret_cast<uint64_t>(ctx);\n    *queue = 0;\n    return 0;\n}\n\n";
    else
        src += "int device_context(uint64_t *context, uint64_t *queue) {\n"
               "    void *ctx = nullptr, *q = nullptr;\n"
               "    if (int status = halide_acquire_cl_context(nullptr, &ctx, &q, true)) return status;\n"
               "    halide_release_cl_context(nullptr);\n"
               "    *context = reinterpret_cast<uint64_t>(ctx);\n    *queue = reinterpret_cast<uint64_t>(q);\n"
               "    return 0;\n}\n\n";
    src += "} // namespace\n\n";
    src += fmt::format(
        "extern \"C\" const cnnc_device_model *cnnc_device_model_definition(void) {{\n"
        "    static const cnnc_device_model model = {{{}, {}, {}, device_operands, run_device, {}, {}, {}, device_context, run_device_kernel}};\n"
        "    return &model;\n}}\n",
        cuda ? "CNNC_DEVICE_CUDA" : "CNNC_DEVICE_OPENCL", plan.weights.size(), index,
        cuda ? "halide_cuda_device_interface" : "halide_opencl_device_interface",
        cuda ? "halide_cuda_wrap_device_ptr" : "halide_opencl_wrap_cl_mem",
        cuda ? "halide_cuda_detach_device_ptr" : "halide_opencl_detach_cl_mem");
    return src;
}

} // namespace cnnc::codegen
