// Arithmetic per kernel call (see KernelFlops.h).
#include "codegen/KernelFlops.h"

#include "ir/Epilogue.h"

namespace cnnc::codegen {

int64_t kernel_flops(const ir::Graph &g, const KernelPlan &plan) {
    const ir::Op &op = g.op(plan.op);
    const ir::TensorType &out = g.type(op.outputs.at(static_cast<size_t>(plan.result_index)));
    const int64_t outputs = out.num_elements();
    auto epilogue_adds = [&] {
        const ir::Epilogue e = ir::epilogue_of(op);
        return outputs * ((e.bias ? 1 : 0) + (e.residual ? 1 : 0));
    };
    switch (op.kind) {
    case ir::OpKind::conv2d: {
        const auto &a = op.attr<ir::Conv2DAttrs>();
        const int64_t per_output = g.type(op.inputs[0]).dims[1] / a.groups * a.kernel[0] * a.kernel[1];
        return 2 * outputs * per_output + epilogue_adds();
    }
    case ir::OpKind::conv_transpose: {
        // Every input pixel scatters into kernel-sized windows of the output channels of its group.
        const auto &a = op.attr<ir::ConvTransposeAttrs>();
        const int64_t inputs = g.type(op.inputs[0]).num_elements();
        return 2 * inputs * (out.dims[1] / a.groups) * a.kernel[0] * a.kernel[1];
    }
    case ir::OpKind::gemm: {
        const auto &a = op.attr<ir::GemmAttrs>();
        const ir::Dims &ad = g.type(op.inputs[0]).dims;
        const int64_t k = a.trans_a ? ad[0] : ad[1];
        return 2 * outputs * k + epilogue_adds();
    }
    case ir::OpKind::max_pool:
    case ir::OpKind::avg_pool: {
        const auto &a = op.attr<ir::PoolAttrs>();
        return outputs * a.kernel[0] * a.kernel[1];
    }
    case ir::OpKind::global_avg_pool:
    case ir::OpKind::global_max_pool: return g.type(op.inputs[0]).num_elements();
    default: return outputs;
    }
}

} // namespace cnnc::codegen
