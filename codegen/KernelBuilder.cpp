// Kernel pipelines to objects: dispatches each op kind to its builder family, fixes the shapes of
// every buffer, and calls Halide's AOT compiler for the target without a runtime.
#include "codegen/KernelBuilder.h"

#include "codegen/Autoscheduler.h"
#include "codegen/HalideHelpers.h"
#include "codegen/WinogradConvKernel.h"
#include "ir/Error.h"
#include "ir/ShapeInference.h"

#include <fstream>

namespace cnnc::codegen {

using namespace Halide;

namespace {

// The device code Halide embeds in a GPU pipeline's host code: a constant buffer named
// *_gpu_source_kernels, found as the image of a Variable in the lowered functions.
class FindDeviceSource : public Internal::IRVisitor {
  public:
    std::string source;

  private:
    using Internal::IRVisitor::visit;
    void visit(const Internal::Variable *op) override {
        const std::string suffix = "_gpu_source_kernels";
        if (op->image.defined() && op->image.name().size() >= suffix.size() &&
            op->image.name().compare(op->image.name().size() - suffix.size(), suffix.size(), suffix) == 0 &&
            source.empty()) {
            const char *data = static_cast<const char *>(op->image.data());
            source.assign(data, data + op->image.size_in_bytes());
            // Halide null-terminates the PTX it embeds.
            while (!source.empty() && source.back() == '\0') source.pop_back();
        }
    }
};

void write_device_source(const Module &m, const std::string &path) {
    FindDeviceSource finder;
    for (const auto &f : m.functions()) f.body.accept(&finder);
    std::ofstream out(path, std::ios::binary);
    out << finder.source;
    if (!out) user_error("cannot write {}", path);
}

void build(const ir::Graph &g, const ir::Op &op, const KernelPlan &plan, KernelBuild &b) {
    using K = ir::OpKind;
    switch (op.kind) {
    case K::conv2d:
        if (plan.algorithm == "conv-winograd" && !plan.schedule.gpu.active()) return build_winograd_conv(g, op, plan, b);
        return build_conv(g, op, plan, b);
    case K::conv_transpose: return build_conv_transpose(g, op, plan, b);
    case K::max_pool:
    case K::avg_pool:
    case K::global_avg_pool:
    case K::global_max_pool: return build_pool(g, op, plan, b);
    case K::gemm: return build_gemm(g, op, plan, b);
    case K::relu:
    case K::clip:
    case K::leaky_relu:
    case K::sigmoid:
    case K::neg:
    case K::add:
    case K::sub:
    case K::mul:
    case K::div:
    case K::batch_norm:
    case K::scale_shift:
    case K::identity:
    case K::dropout: return build_elementwise(g, op, plan, b);
    case K::concat:
    case K::split:
    case K::slice:
    case K::flatten:
    case K::reshape:
    case K::transpose:
    case K::channel_shuffle:
    case K::pad:
    case K::resize:
    case K::softmax:
    case K::lrn: return build_data_movement(g, op, plan, b);
    case K::input:
    case K::constant: break;
    }
    internal_assert(false, "no kernel builder for {}", ir::describe_op(g, op));
}

} // namespace

TargetInfo parse_target(const std::string &name) {
    if (!Target::validate_target_string(name) && name != "host")
        user_error("--target {}: not a Halide target string (e.g. host, host-opencl, host-cuda, "
                   "host-cuda-cuda_capability_80)",
                   name);
    Target target = name == "host" ? get_host_target() : Target(name);
    if (target.os != Target::Linux || target.arch != Target::X86)
        user_error("--target {}: only x86-64 Linux hosts are supported (with CUDA or OpenCL devices)", name);
    TargetInfo info;
    if (target.has_feature(Target::CUDA) && target.has_feature(Target::OpenCL))
        user_error("--target {}: choose one GPU API, cuda or opencl", name);
    for (auto unsupported : {Target::Metal, Target::D3D12Compute, Target::OpenGLCompute, Target::HVX})
        if (target.has_feature(unsupported))
            user_error("--target {}: cnnc generates code for the host CPU, CUDA and OpenCL only", name);
    if (target.has_feature(Target::CUDA)) {
        info.gpu_api = "cuda";
        // Halide's default is compute capability 2.0, which current CUDA toolkits no longer
        // assemble; Volta (7.0) is the oldest GPU CUDA 12 supports.
        if (target.get_cuda_capability_lower_bound() < 30) target = target.with_feature(Target::CUDACapability70);
    } else if (target.has_feature(Target::OpenCL)) {
        info.gpu_api = "opencl";
    }
    info.halide_target = target.to_string();
    info.vector_width = target.natural_vector_size<float>();
    return info;
}

TargetInfo host_target() { return parse_target("host"); }

void compile_kernel(const ir::Graph &g, const KernelPlan &plan, const TargetInfo &target,
                    const std::string &object_path) {
    const ir::Op &op = g.op(plan.op);
    KernelBuild b;
    std::vector<Argument> args;
    for (size_t i = 0; i < plan.inputs.size(); ++i) {
        b.params.push_back(make_param("in" + std::to_string(i), plan.inputs[i].shape));
        args.push_back(b.params.back());
    }
    build(g, op, plan, b);
    if (is_deliberately_wrong(plan)) {
        // Test-only (see KernelSignature.h): the real output, then 0.5 added along the x == 0 border.
        Func right = b.output;
        right.compute_root();
        const Var &x = b.vars.size() > 1 ? b.vars[1] : b.vars[0];
        Func wrong("deliberately_wrong");
        std::vector<Expr> at(b.vars.begin(), b.vars.end());
        wrong(at) = right(at) + select(x == 0, 0.5f, 0.0f);
        b.output = wrong;
    }
    constrain_output(b.output, plan.output.shape);
    if (!target.scheduler.empty()) autoschedule_kernel(b, plan, target);
    const Target t = Target(target.halide_target).with_feature(Target::NoRuntime);
    try {
        if (target.gpu()) {
            // The device code (PTX or OpenCL C) is written beside the object, for inspection
            // and for assembling it alone (compile --emit-device-code).
            Module m = b.output.compile_to_module(args, plan.function_name, t);
            m.compile({{OutputFileType::object, object_path}});
            write_device_source(m, object_path + ".device");
        } else {
            b.output.compile_to({{OutputFileType::object, object_path}}, args, plan.function_name, t);
        }
    } catch (const Halide::Error &e) {
        internal_assert(false, "Halide failed on {} ({}): {}", ir::describe_op(g, op), plan.algorithm,
                        e.what());
    }
}

void compile_runtime(const TargetInfo &target, const std::string &object_path) {
    compile_standalone_runtime(object_path, Target(target.halide_target));
}

} // namespace cnnc::codegen
