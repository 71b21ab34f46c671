// Checks every pass test makes: the result verifies, and computes what the input computed.
#pragma once

#include "ir/Verifier.h"
#include "reference/Interpreter.h"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

namespace cnnc::testing {

// Seeded random inputs in [-1, 1] for every graph input.
inline std::vector<ir::Tensor> random_inputs(const ir::Graph &g, unsigned seed = 1) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<ir::Tensor> inputs;
    for (ir::ValueId v : g.inputs()) {
        ir::Tensor t(g.type(v));
        for (auto &x : t.data) x = dist(rng);
        inputs.push_back(std::move(t));
    }
    return inputs;
}

// The largest |a - b| / max(1, max|a|) over all outputs: relative to each output's scale.
inline double max_relative_difference(const std::vector<ir::Tensor> &a,
                                      const std::vector<ir::Tensor> &b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].type == b[i].type);
        double scale = 1;
        for (float x : a[i].data) scale = std::max(scale, static_cast<double>(std::fabs(x)));
        for (size_t j = 0; j < a[i].data.size(); ++j)
            worst = std::max(worst, std::fabs(double(a[i].data[j]) - b[i].data[j]) / scale);
    }
    return worst;
}

// The pass's result verifies and matches the original's outputs within `tolerance`.
inline void check_same_outputs(const ir::Graph &before, const ir::Graph &after,
                               double tolerance = 1e-5) {
    ir::verify(after);
    const auto inputs = random_inputs(before);
    CHECK(max_relative_difference(reference::run(before, inputs), reference::run(after, inputs)) <=
          tolerance);
}

inline int count_ops(const ir::Graph &g, ir::OpKind kind) {
    int n = 0;
    for (const auto &op : g.ops()) n += op.kind == kind;
    return n;
}

} // namespace cnnc::testing
