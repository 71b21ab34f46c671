// Per-layer costs and receptive fields, from types and attributes only.
#include "analysis/ModelInfo.h"

#include "ir/Error.h"
#include "ir/Traversal.h"

#include <algorithm>
#include <map>
#include <optional>

namespace cnnc::analysis {

using ir::OpKind;

namespace {

struct Field {
    std::array<double, 2> rf{1, 1}, stride{1, 1};
};

int64_t count_macs(const ir::Graph &g, const ir::Op &op) {
    switch (op.kind) {
    case OpKind::conv2d: {
        const auto &a = op.attr<ir::Conv2DAttrs>();
        const ir::TensorType &x = g.type(op.inputs[0]), &y = g.type(op.outputs[0]);
        return y.num_elements() * (x.dims[1] / a.groups) * a.kernel[0] * a.kernel[1];
    }
    case OpKind::conv_transpose: {
        // Every input pixel is multiplied into a kernel-sized patch of each output channel of
        // its group.
        const auto &a = op.attr<ir::ConvTransposeAttrs>();
        const ir::TensorType &x = g.type(op.inputs[0]), &y = g.type(op.outputs[0]);
        return x.num_elements() * (y.dims[1] / a.groups) * a.kernel[0] * a.kernel[1];
    }
    case OpKind::gemm: {
        const auto &a = op.attr<ir::GemmAttrs>();
        const ir::TensorType &ta = g.type(op.inputs[0]), &y = g.type(op.outputs[0]);
        const int64_t k = a.trans_a ? ta.dims[0] : ta.dims[1];
        return y.num_elements() * k;
    }
    default: return 0;
    }
}

// Applies a window (kernel, stride, dilation) along both spatial axes.
Field window(Field f, ir::Hw kernel, ir::Hw stride, ir::Hw dilation) {
    for (int i = 0; i < 2; ++i) {
        f.rf[i] += static_cast<double>(dilation[i] * (kernel[i] - 1)) * f.stride[i];
        f.stride[i] *= static_cast<double>(stride[i]);
    }
    return f;
}

// A window covering the whole spatial extent of a rank-4 NCHW value (global pools, flatten).
Field whole(Field f, const ir::TensorType &x) {
    if (x.rank() != 4) return f;
    return window(f, {x.dims[2], x.dims[3]}, {x.dims[2], x.dims[3]}, {1, 1});
}

Field propagate(const ir::Graph &g, const ir::Op &op, Field f) {
    const ir::TensorType &x = g.type(op.inputs[0]);
    switch (op.kind) {
    case OpKind::conv2d: {
        const auto &a = op.attr<ir::Conv2DAttrs>();
        return window(f, a.kernel, a.stride, a.dilation);
    }
    case OpKind::max_pool:
    case OpKind::avg_pool: {
        const auto &a = op.attr<ir::PoolAttrs>();
        return window(f, a.kernel, a.stride, a.dilation);
    }
    case OpKind::conv_transpose: {
        // Upsampling: output pixels are stride times closer together, and the kernel spans
        // dilation*(k-1) output pixels.
        const auto &a = op.attr<ir::ConvTransposeAttrs>();
        for (int i = 0; i < 2; ++i) {
            f.stride[i] /= static_cast<double>(a.stride[i]);
            f.rf[i] += static_cast<double>(a.dilation[i] * (a.kernel[i] - 1)) * f.stride[i];
        }
        return f;
    }
    case OpKind::resize: {
        const ir::TensorType &y = g.type(op.outputs[0]);
        for (int i = 0; i < 2; ++i)
            f.stride[i] *= static_cast<double>(x.dims[2 + i]) / static_cast<double>(y.dims[2 + i]);
        return f;
    }
    case OpKind::global_avg_pool:
    case OpKind::global_max_pool:
    case OpKind::flatten: return whole(f, x);
    default: return f;
    }
}

} // namespace

ModelInfo analyse(const ir::Graph &g) {
    ModelInfo info;
    info.model = g.name;
    std::vector<std::optional<Field>> fields(g.values().size());
    std::vector<bool> counted(g.values().size(), false);
    std::map<OpKind, KindShare> shares;

    for (ir::OpId id : ir::topological_order(g)) {
        const ir::Op &op = g.op(id);
        if (op.kind == OpKind::constant) {
            info.weight_bytes += g.type(op.outputs[0]).num_bytes();
            continue;
        }
        LayerInfo layer;
        internal_assert(!op.outputs.empty(), "op {} has no result", ir::op_name(op.kind));
        layer.name = g.value(op.outputs[0]).name;
        layer.kind = op.kind;
        for (ir::ValueId v : op.outputs) {
            layer.outputs.push_back(g.type(v));
            layer.activation_bytes += g.type(v).num_bytes();
        }
        for (size_t i = 0; i < op.inputs.size(); ++i) {
            const ir::ValueId v = op.inputs[i];
            if (!g.constant_data(v) || counted[static_cast<size_t>(v)]) continue;
            counted[static_cast<size_t>(v)] = true;
            const int64_t n = g.type(v).num_elements();
            (op.kind == OpKind::batch_norm && i >= 3 ? layer.statistics : layer.params) += n;
        }
        layer.macs = count_macs(g, op);

        // Receptive field: an input starts a field of one pixel; an op merges its operands'
        // fields (max over paths) and applies its own window.
        std::optional<Field> f;
        if (op.kind == OpKind::input) {
            f = Field{};
        } else {
            for (ir::ValueId v : op.inputs) {
                const auto &in = fields[static_cast<size_t>(v)];
                if (!in) continue;
                if (!f) {
                    f = in;
                    continue;
                }
                for (int i = 0; i < 2; ++i) {
                    f->rf[i] = std::max(f->rf[i], in->rf[i]);
                    f->stride[i] = std::max(f->stride[i], in->stride[i]);
                }
            }
            if (f) f = propagate(g, op, *f);
        }
        for (ir::ValueId v : op.outputs) fields[static_cast<size_t>(v)] = f;
        if (f) {
            layer.has_receptive_field = true;
            layer.receptive_field = f->rf;
            layer.stride = f->stride;
        }

        info.params += layer.params;
        info.statistics += layer.statistics;
        info.macs += layer.macs;
        info.activation_bytes += layer.activation_bytes;
        KindShare &share = shares[op.kind];
        share.kind = op.kind;
        share.layers += 1;
        share.params += layer.params;
        share.macs += layer.macs;
        share.activation_bytes += layer.activation_bytes;
        info.layers.push_back(std::move(layer));
    }
    for (const auto &[kind, share] : shares) info.by_kind.push_back(share);
    std::stable_sort(info.by_kind.begin(), info.by_kind.end(),
                     [](const KindShare &a, const KindShare &b) {
                         if (a.macs != b.macs) return a.macs > b.macs;
                         if (a.params != b.params) return a.params > b.params;
                         return a.activation_bytes > b.activation_bytes;
                     });
    return info;
}

} // namespace cnnc::analysis
