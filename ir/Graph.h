// The graph IR: values (SSA tensors with static types) defined by ops. Graph inputs and weights
// are ops too (`input`, `constant`), so every value has exactly one defining op and the text
// form is one line per op. Ops are stored in creation order, which need not be topological
// (a hand-written file may use a value before the line defining it); use topological_order()
// from ir/Traversal.h to walk them.
#pragma once

#include "ir/Attributes.h"
#include "ir/OpKind.h"
#include "ir/Types.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cnnc::ir {

using ValueId = int32_t;
using OpId = int32_t;

struct Value {
    std::string name;                // unique in the graph, printed as %name
    std::optional<TensorType> type;  // filled by infer_shapes() where not given
    OpId producer = -1;
    int32_t result_index = 0;
};

// Decisions the late passes record for code generation, on any op; the defaults mean "not
// decided". Printed after the result types as a second brace block (docs/ir.md), so a planned
// dump parses back to the same plan:
//   %y = conv2d(%x, %w) {kernel=[1,1]} : f32[1,64,8,8] {group=3, branch=1, layout=nhwc, offset=[16384]}
struct OpPlan {
    // schedule-branches: `group` >= 0 is the id of a fork/join region, `branch` the index of the
    // op's branch in it (0, 1, ... in the order they run). Ops of one group with different
    // branches do not depend on each other, so they may run concurrently; ops of one branch run
    // in order. An op in a region nested inside a branch carries the innermost region's marks;
    // the nested region's fork, which lies in the outer branch, carries the outer ones.
    // -1: in no region.
    int64_t group = -1;
    // plan-memory: per result, its byte offset in the model's activation arena; empty: the op is
    // not planned (graph inputs, constants, graph outputs own their buffers).
    std::vector<int64_t> offset;
    // plan-memory: the results already lie where offset says because the operands were written
    // there (copy-free concat; split into channel slices): no kernel runs for this op.
    bool in_place = false;
    int64_t branch = -1;
    // choose-layout: how every result lies in memory inside the library: "nhwc" (4-D, channels
    // innermost) or "c" (C order of the logical shape, any rank); empty: not chosen. Graph inputs
    // and outputs are converted from/to NCHW by the runtime at the boundary (docs/ir.md).
    std::string layout;
    template <class Self, class F> static void fields(Self &s, F &&f) {
        f("group", s.group), f("branch", s.branch), f("layout", s.layout), f("offset", s.offset),
            f("in_place", s.in_place);
    }
    bool operator==(const OpPlan &o) const {
        return group == o.group && branch == o.branch && layout == o.layout &&
               offset == o.offset && in_place == o.in_place;
    }
    bool empty() const { return *this == OpPlan{}; }
};

struct Op {
    OpKind kind = OpKind::identity;
    Attrs attrs;
    std::vector<ValueId> inputs;
    std::vector<ValueId> outputs;
    // Where the op came from, for error messages: "net.cnn:12:3", or an ONNX node's name.
    std::string origin;
    OpPlan plan;

    template <class T> const T &attr() const { return std::get<T>(attrs); }
    template <class T> T &attr() { return std::get<T>(attrs); }
};

class Graph {
  public:
    std::string name = "main";

    // --- construction ---------------------------------------------------------------------
    ValueId add_input(const std::string &value_name, TensorType type, std::string origin = {});
    ValueId add_constant(const std::string &value_name, std::shared_ptr<const ConstantData> data,
                         std::string origin = {});
    // Adds an op with one result per name; result types are left for infer_shapes() unless given.
    std::vector<ValueId> add_op(OpKind kind, std::vector<ValueId> inputs, Attrs attrs,
                                const std::vector<std::string> &result_names,
                                std::string origin = {});
    // The common single-result case.
    ValueId add(OpKind kind, std::vector<ValueId> inputs, Attrs attrs,
                const std::string &result_name, std::string origin = {});
    void set_outputs(std::vector<ValueId> outputs) { outputs_ = std::move(outputs); }

    // A name not yet used in this graph: `base`, else `base.1`, `base.2`, ...
    std::string unique_name(std::string_view base) const;

    // --- access ----------------------------------------------------------------------------
    const std::vector<Op> &ops() const { return ops_; }
    std::vector<Op> &ops() { return ops_; }
    const Op &op(OpId id) const { return ops_.at(static_cast<size_t>(id)); }
    Op &op(OpId id) { return ops_.at(static_cast<size_t>(id)); }
    const std::vector<Value> &values() const { return values_; }
    const Value &value(ValueId id) const { return values_.at(static_cast<size_t>(id)); }
    Value &value(ValueId id) { return values_.at(static_cast<size_t>(id)); }
    const std::vector<ValueId> &outputs() const { return outputs_; }
    // Graph inputs (results of `input` ops) in creation order.
    std::vector<ValueId> inputs() const;

    std::optional<ValueId> find_value(std::string_view value_name) const;
    // The type of a value whose type is known; an internal error if it is not.
    const TensorType &type(ValueId id) const;
    // The constant data behind a value, or null if it is not produced by a `constant` op.
    const ConstantData *constant_data(ValueId id) const;

  private:
    ValueId new_value(const std::string &value_name, OpId producer, int32_t result_index);

    std::vector<Value> values_;
    std::vector<Op> ops_;
    std::vector<ValueId> outputs_;
    std::unordered_map<std::string, ValueId> by_name_;
};

// Same ops (kinds, attributes, operand wiring by name), same value names and types, same
// outputs, in the same creation order. Used by the round-trip tests: parse(print(g)) == g.
// On a mismatch, `why` (if given) describes the first difference.
bool structurally_equal(const Graph &a, const Graph &b, std::string *why = nullptr);

} // namespace cnnc::ir
