// What the per-op importers share (internal to frontend/onnx): the graph being built, the map
// from ONNX tensor names to IR values, the compile-time contents of tensors known statically
// (initializers, Constant nodes, and the results of shape arithmetic on them), typed attribute
// access, and error messages that name the node. Importers are plain functions over this
// context, registered in the op table (OpTable.h).
#pragma once

#include "frontend/ModelLoader.h"
#include "ir/Error.h"
#include "ir/Graph.h"

#include <onnx/onnx_pb.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cnnc::frontend::onnximport {

// A tensor whose contents are known while importing. Integer (and bool) tensors keep exact
// int64 values, floating-point ones doubles.
struct Known {
    int32_t dtype = onnx::TensorProto::FLOAT; // onnx::TensorProto::DataType
    ir::Dims dims;
    std::vector<int64_t> ints;  // integer and bool element types
    std::vector<double> floats; // floating-point element types

    bool is_float() const;
    int64_t size() const;
    std::vector<int64_t> as_ints() const;
    std::vector<double> as_floats() const;
    static Known from_ints(ir::Dims dims, std::vector<int64_t> values);
    static Known from_floats(ir::Dims dims, std::vector<double> values,
                             int32_t dtype = onnx::TensorProto::FLOAT);
};

// "float", "int64", ... as ONNX spells element types.
std::string onnx_dtype_name(int32_t dtype);
// Decodes a TensorProto (raw_data or typed fields; external data already inlined by the
// caller). `what` names it in errors.
Known decode_tensor(const onnx::TensorProto &tensor, const std::string &what);

class Context {
  public:
    Context(ir::Graph &graph, std::string filename, const LoadOptions &options, int64_t opset)
        : g(graph), filename_(std::move(filename)), options_(options), opset_(opset) {}

    ir::Graph &g;
    int64_t opset() const { return opset_; }
    const std::string &filename() const { return filename_; }
    const LoadOptions &options() const { return options_; }

    // --- the node being imported -----------------------------------------------------------
    void begin_node(const onnx::NodeProto &node, int index);
    const onnx::NodeProto &node() const { return *node_; }
    // `file.onnx: node "conv_3" (Conv)`: the op origin and the prefix of every message.
    const std::string &origin() const { return origin_; }
    template <typename... Args>
    [[noreturn]] void fail(fmt::format_string<Args...> format, Args &&...args) const {
        user_error("{}: {}", origin_, fmt::format(format, std::forward<Args>(args)...));
    }

    // --- operands --------------------------------------------------------------------------
    int num_inputs() const { return node_->input_size(); }
    // Input `i` is given (present and not the empty name of an omitted optional input).
    bool has_input(int i) const;
    // A runtime operand as an IR value; known contents become a `constant` op on first use.
    ir::ValueId value(int i);
    // The known contents of input `i`, or null if it is only known at run time.
    const Known *known(int i) const;
    // Input `i`'s contents, which must be known at compile time; `what` names the operand.
    const Known &require_known(int i, const char *what) const;
    // Input `i`'s type (element type and dims), whether runtime or known.
    ir::TensorType type(int i) const;
    ir::Dims dims(int i) const { return type(i).dims; }
    // Input `i`'s dims, which must have rank `rank` (`what` says why, for the message).
    ir::Dims dims_of_rank(int i, int64_t rank, const char *what) const;
    // Input i must be f32 (what cnnc computes in).
    void require_f32(int i) const;

    // --- results ---------------------------------------------------------------------------
    int num_outputs() const;                // outputs with a non-empty name
    bool has_output(int i) const;
    // Adds an IR op producing node output `out` (named after it), infers its type.
    ir::ValueId emit(ir::OpKind kind, std::vector<ir::ValueId> inputs, ir::Attrs attrs, int out);
    // Adds an IR op for an intermediate value (named after output 0 plus `suffix`).
    ir::ValueId emit_temp(ir::OpKind kind, std::vector<ir::ValueId> inputs, ir::Attrs attrs,
                          const char *suffix);
    // Adds a multi-result op whose results are the node's outputs 0..n-1.
    std::vector<ir::ValueId> emit_multi(ir::OpKind kind, std::vector<ir::ValueId> inputs,
                                        ir::Attrs attrs, int num_results);
    // Output `out` is an existing value (an alias), or compile-time contents.
    void define(int out, ir::ValueId value);
    void define_known(int out, Known known);
    // Materialises a value holding `k` (f32 constant), named after `base`.
    ir::ValueId constant(const Known &k, const std::string &base);

    // --- attributes ------------------------------------------------------------------------
    const onnx::AttributeProto *attr(const char *name) const;
    int64_t attr_int(const char *name, int64_t fallback) const;
    double attr_float(const char *name, double fallback) const;
    std::string attr_string(const char *name, const std::string &fallback) const;
    std::optional<std::vector<int64_t>> attr_ints(const char *name) const;
    std::optional<std::vector<double>> attr_floats(const char *name) const;

    // Normalises a possibly negative axis against `rank` (fails if out of range).
    int64_t axis(int64_t axis, int64_t rank, const char *what = "axis") const;

    // --- graph-level (used by the importer driver) -----------------------------------------
    struct Slot {
        std::optional<ir::ValueId> value;
        std::shared_ptr<const Known> known;
        std::string producer; // describes who defines it, for duplicate-definition errors
    };
    std::unordered_map<std::string, Slot> &slots() { return slots_; }
    // A graph-unique IR value name derived from an ONNX tensor name.
    std::string value_name(const std::string &onnx_name) const;
    ir::ValueId materialise(const std::string &onnx_name, const std::string &who);
    void define_slot(const std::string &onnx_name, Slot slot);

  private:
    const std::string &input_name(int i) const;
    const Slot &slot_of_input(int i) const;
    void set_result_types(ir::OpId op);

    std::string filename_;
    const LoadOptions &options_;
    int64_t opset_;
    const onnx::NodeProto *node_ = nullptr;
    std::string origin_;
    std::unordered_map<std::string, Slot> slots_;
};

} // namespace cnnc::frontend::onnximport
