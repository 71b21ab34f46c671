// Passes are Graph -> Graph functions; this is how they build the new graph. Walk the old graph
// in topological order and, per op, either copy it (operands remapped), replace it with new ops,
// or drop it and alias its results to other values. Value names and types carry over, so a
// pass's output reads like its input except where the pass changed something.
#pragma once

#include "ir/Graph.h"

#include <vector>

namespace cnnc::ir {

class GraphRebuilder {
  public:
    explicit GraphRebuilder(const Graph &source);

    const Graph &source() const { return source_; }
    Graph &target() { return target_; }

    // The new value standing for an old one (internal error if not yet mapped).
    ValueId map(ValueId old_value) const;
    std::vector<ValueId> map(const std::vector<ValueId> &old_values) const;
    // From now on, uses of `old_value` read `new_value` instead.
    void alias(ValueId old_value, ValueId new_value);
    // Copies `op` with its operands mapped, keeping result names, types and its plan; maps its
    // results.
    void copy(const Op &op);
    // Graph outputs mapped; the rebuilt graph.
    Graph finish();

  private:
    const Graph &source_;
    Graph target_;
    std::vector<ValueId> mapping_;
};

} // namespace cnnc::ir
