// The op table, assembled once from each op family's registration, and attribute reading for
// the up-front scan. See OpTable.h.
#include "frontend/onnx/OpTable.h"

#include "frontend/onnx/OnnxImporter.h"

#include <algorithm>

namespace cnnc::frontend::onnximport {

const OpTable &op_table() {
    static const OpTable table = [] {
        OpTable t;
        register_conv_ops(t);
        register_pool_ops(t);
        register_elementwise_ops(t);
        register_norm_ops(t);
        register_tensor_ops(t);
        register_shape_ops(t);
        register_resize_ops(t);
        register_gemm_ops(t);
        return t;
    }();
    return table;
}

const onnx::AttributeProto *NodeAttrs::find(const char *name) const {
    for (const onnx::AttributeProto &a : node_.attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}

int64_t NodeAttrs::get_int(const char *name, int64_t fallback) const {
    const onnx::AttributeProto *a = find(name);
    return a ? a->i() : fallback;
}

std::string NodeAttrs::get_string(const char *name, const std::string &fallback) const {
    const onnx::AttributeProto *a = find(name);
    return a ? a->s() : fallback;
}

std::optional<std::vector<int64_t>> NodeAttrs::get_ints(const char *name) const {
    const onnx::AttributeProto *a = find(name);
    if (!a)
        return std::nullopt;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

} // namespace cnnc::frontend::onnximport

namespace cnnc::frontend {

bool onnx_input_must_be_constant(const std::string &op_type, int index) {
    const auto &table = onnximport::op_table();
    auto it = table.find(op_type);
    if (it == table.end())
        return false;
    const std::vector<int> &c = it->second.constant_inputs;
    return std::find(c.begin(), c.end(), index) != c.end();
}

bool onnx_op_supported(const std::string &op_type) {
    return onnximport::op_table().count(op_type) != 0;
}

} // namespace cnnc::frontend
