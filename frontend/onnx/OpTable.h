// The table of ONNX ops cnnc imports (internal to frontend/onnx): for each op type, which of
// its inputs must be compile-time constants, a check of its attributes that runs in the
// up-front scan (UnsupportedReport.cpp) so unsupported values are reported with everything
// else before any work, and the importer that builds IR for one node. Each op family's file
// (ConvImport.cpp, PoolImport.cpp, ...) registers its rows.
#pragma once

#include "frontend/onnx/ImportContext.h"

#include <map>
#include <string>
#include <vector>

namespace cnnc::frontend::onnximport {

// Reads a node's attributes without a graph (for the scan).
class NodeAttrs {
  public:
    explicit NodeAttrs(const onnx::NodeProto &node) : node_(node) {}
    const onnx::AttributeProto *find(const char *name) const;
    int64_t get_int(const char *name, int64_t fallback) const;
    std::string get_string(const char *name, const std::string &fallback) const;
    std::optional<std::vector<int64_t>> get_ints(const char *name) const;

  private:
    const onnx::NodeProto &node_;
};

struct OpSpec {
    std::vector<int> constant_inputs; // input indices that must be known at compile time
    // Appends one description per unsupported attribute value or node shape (e.g. "mode
    // 'reflect' (only 'constant' is supported)"); may be null.
    void (*check)(const onnx::NodeProto &node, int64_t opset, std::vector<std::string> &problems) =
        nullptr;
    void (*import)(Context &ctx) = nullptr;
};

using OpTable = std::map<std::string, OpSpec>;

const OpTable &op_table();

// Registration, one per op family file.
void register_conv_ops(OpTable &table);
void register_pool_ops(OpTable &table);
void register_elementwise_ops(OpTable &table);
void register_tensor_ops(OpTable &table);
void register_shape_ops(OpTable &table);
void register_resize_ops(OpTable &table);
void register_gemm_ops(OpTable &table);
void register_norm_ops(OpTable &table);

// Scans the whole model and throws one CompileError listing every unsupported thing in it.
void report_unsupported(const onnx::ModelProto &model, const std::string &filename,
                        int64_t opset);

} // namespace cnnc::frontend::onnximport
