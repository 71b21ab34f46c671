// Helpers shared by the reference-interpreter tests: build a one-op graph through the Graph API,
// infer its shapes, verify it, run it with reference::run, and compare results element by element.
#pragma once

#include "ir/Graph.h"
#include "ir/ShapeInference.h"
#include "ir/Tensor.h"
#include "ir/Verifier.h"
#include "reference/Interpreter.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace cnnc::reference::test {

inline ir::Tensor tensor(ir::Dims dims, std::vector<float> values) {
    ir::TensorType type{ir::DType::f32, std::move(dims)};
    REQUIRE(type.num_elements() == static_cast<int64_t>(values.size()));
    return ir::Tensor(std::move(type), std::move(values));
}

// first, first + 1, first + 2, ... in C order.
inline ir::Tensor iota(ir::Dims dims, float first = 1) {
    ir::Tensor t(ir::TensorType{ir::DType::f32, std::move(dims)});
    for (int64_t i = 0; i < t.size(); ++i)
        t.data[i] = first + static_cast<float>(i);
    return t;
}

// One op whose operands are graph inputs %x0, %x1, ... and whose results %r0, %r1, ... are the
// graph outputs; returns what reference::run computes for them.
inline std::vector<ir::Tensor> run_op(ir::OpKind kind, ir::Attrs attrs,
                                      const std::vector<ir::Tensor> &operands,
                                      size_t result_count = 1) {
    ir::Graph g;
    std::vector<ir::ValueId> inputs;
    for (size_t i = 0; i < operands.size(); ++i)
        inputs.push_back(g.add_input("x" + std::to_string(i), operands[i].type));
    std::vector<std::string> names;
    for (size_t i = 0; i < result_count; ++i)
        names.push_back("r" + std::to_string(i));
    g.set_outputs(g.add_op(kind, inputs, std::move(attrs), names));
    ir::infer_shapes(g);
    ir::verify(g);
    return reference::run(g, operands);
}

inline ir::Tensor run_one(ir::OpKind kind, ir::Attrs attrs,
                          const std::vector<ir::Tensor> &operands) {
    return run_op(kind, std::move(attrs), operands).at(0);
}

// Same dims, and every element equal to 1e-6 relative (absolute near zero).
inline void check_tensor(const ir::Tensor &got, const ir::Dims &dims,
                         const std::vector<float> &expected, double epsilon = 1e-6) {
    REQUIRE(ir::dims_to_string(got.dims()) == ir::dims_to_string(dims));
    REQUIRE(got.data.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("element ", i);
        CHECK(got.data[i] == doctest::Approx(expected[i]).epsilon(epsilon));
    }
}

} // namespace cnnc::reference::test
