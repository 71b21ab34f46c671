// Shape inference: result types for each op family, and the user errors it reports.
#include "ir/Error.h"
#include "ir/ShapeInference.h"
#include "../TestGraphs.h"

#include <doctest/doctest.h>

#include <functional>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

TensorType f32(Dims dims) { return {DType::f32, std::move(dims)}; }

// Builds `input(x_dims) -> kind(attrs)` (plus constants of the given dims) and infers shapes.
TensorType infer_single(const Dims &x_dims, OpKind kind, Attrs attrs,
                        const std::vector<Dims> &constant_dims = {}) {
    Graph g;
    std::vector<ValueId> operands{g.add_input("x", f32(x_dims))};
    for (size_t i = 0; i < constant_dims.size(); ++i)
        operands.push_back(testing::seeded_constant(g, "c" + std::to_string(i), constant_dims[i]));
    const ValueId y = g.add(kind, operands, std::move(attrs), "y");
    g.set_outputs({y});
    infer_shapes(g);
    return g.type(y);
}

std::string error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const CompileError &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("conv2d output size follows stride, asymmetric pads, dilation and groups") {
    Conv2DAttrs a;
    a.kernel = {3, 3};
    a.stride = {2, 2};
    a.pad = {1, 0, 1, 0}; // top, left, bottom, right
    // H: (9 + 2 - 3) / 2 + 1 = 5; W: (9 + 0 - 3) / 2 + 1 = 4
    CHECK(infer_single({1, 4, 9, 9}, OpKind::conv2d, a, {{8, 4, 3, 3}}) == f32({1, 8, 5, 4}));
    a = Conv2DAttrs{};
    a.kernel = {3, 3};
    a.dilation = {2, 2};
    a.groups = 2;
    // extent 5: 9 - 5 + 1 = 5
    CHECK(infer_single({1, 4, 9, 9}, OpKind::conv2d, a, {{6, 2, 3, 3}, {6}}) == f32({1, 6, 5, 5}));
}

TEST_CASE("conv2d shape errors name the op and the mismatch") {
    Conv2DAttrs a;
    a.kernel = {3, 3};
    CHECK(error_of([&] { infer_single({1, 4, 9, 9}, OpKind::conv2d, a, {{8, 3, 3, 3}}); })
              .find("weight f32[8,3,3,3] expects 3 input channels per group, input "
                    "f32[1,4,9,9] has 4") != std::string::npos);
    CHECK(error_of([&] { infer_single({4, 9, 9}, OpKind::conv2d, a, {{8, 4, 3, 3}}); })
              .find("%y = conv2d: expects its input to be 4-D, got f32[4,9,9]") !=
          std::string::npos);
    a.groups = 3;
    CHECK(error_of([&] { infer_single({1, 4, 9, 9}, OpKind::conv2d, a, {{6, 1, 3, 3}}); })
              .find("groups=3 must divide input channels 4") != std::string::npos);
}

TEST_CASE("channel_shuffle keeps the shape, and its groups must divide the channels") {
    CHECK(infer_single({1, 12, 5, 5}, OpKind::channel_shuffle, ChannelShuffleAttrs{3}) == f32({1, 12, 5, 5}));
    CHECK(error_of([&] { infer_single({1, 12, 5, 5}, OpKind::channel_shuffle, ChannelShuffleAttrs{5}); })
              .find("groups=5 must be positive and divide the 12 channels of f32[1,12,5,5]") != std::string::npos);
    CHECK(error_of([&] { infer_single({1, 12, 5, 5}, OpKind::channel_shuffle, ChannelShuffleAttrs{0}); })
              .find("groups=0 must be positive") != std::string::npos);
    CHECK(error_of([&] { infer_single({12, 5, 5}, OpKind::channel_shuffle, ChannelShuffleAttrs{3}); })
              .find("expects its input to be 4-D") != std::string::npos);
}

TEST_CASE("pool output size with ceil_mode drops a window starting in the end padding") {
    PoolAttrs a;
    a.kernel = {3, 3};
    a.stride = {2, 2};
    // floor((6 - 3) / 2) + 1 = 2; ceil gives 3 and the third window starts at 4 < 6: kept.
    CHECK(infer_single({1, 1, 6, 6}, OpKind::max_pool, a) == f32({1, 1, 2, 2}));
    a.ceil_mode = true;
    CHECK(infer_single({1, 1, 6, 6}, OpKind::max_pool, a) == f32({1, 1, 3, 3}));
    // 5x5, kernel 2, stride 2, pad 1 each side: span 5; ceil(5/2)+1 = 4, but the 4th window
    // starts at 6 >= 5 + 1 (input + begin pad), so 3 (PyTorch's rule).
    a.kernel = {2, 2};
    a.pad = {1, 1, 1, 1};
    CHECK(infer_single({1, 1, 5, 5}, OpKind::avg_pool, a) == f32({1, 1, 3, 3}));
    CHECK(window_output_size(5, 2, 2, 1, 1, 1, true) == 3);
}

TEST_CASE("broadcasting, concat, split, slice, gemm, flatten, transpose, pad, resize") {
    CHECK(infer_single({2, 3, 4, 4}, OpKind::add, NoAttrs{}, {{1, 3, 1, 1}}) == f32({2, 3, 4, 4}));
    CHECK(infer_single({3, 1}, OpKind::mul, NoAttrs{}, {{4}}) == f32({3, 4}));
    CHECK(error_of([] { infer_single({2, 3}, OpKind::add, NoAttrs{}, {{4}}); })
              .find("cannot broadcast f32[2,3] with f32[4]") != std::string::npos);

    CHECK(infer_single({1, 2, 4, 4}, OpKind::concat, ConcatAttrs{1}, {{1, 5, 4, 4}}) ==
          f32({1, 7, 4, 4}));
    CHECK(error_of([] { infer_single({1, 2, 4, 4}, OpKind::concat, ConcatAttrs{1}, {{1, 5, 4, 3}}); })
              .find("does not concatenate") != std::string::npos);

    SliceAttrs s{{1, -1}, {1, -1}, {100, 0}, {2, -1}};
    // axis 1 of 7: 1,3,5 -> 3; axis -1 (3) of 6: from 5 down to 1 -> 5
    CHECK(infer_single({1, 7, 2, 6}, OpKind::slice, s) == f32({1, 3, 2, 5}));
    CHECK(slice_length(10, -3, 100, 1) == 3);
    CHECK(slice_length(10, 0, -100, -1) == 1);

    GemmAttrs gemm;
    gemm.trans_b = true;
    CHECK(infer_single({2, 8}, OpKind::gemm, gemm, {{5, 8}, {5}}) == f32({2, 5}));
    CHECK(error_of([&] { infer_single({2, 8}, OpKind::gemm, gemm, {{8, 5}}); })
              .find("inner dimensions differ") != std::string::npos);

    CHECK(infer_single({2, 3, 4, 5}, OpKind::flatten, FlattenAttrs{2}) == f32({6, 20}));
    CHECK(infer_single({2, 3, 4, 5}, OpKind::flatten, FlattenAttrs{0}) == f32({1, 120}));
    CHECK(infer_single({2, 3, 4, 5}, OpKind::transpose, TransposeAttrs{{0, 2, 3, 1}}) ==
          f32({2, 4, 5, 3}));
    CHECK(infer_single({1, 3, 4, 4}, OpKind::pad, PadAttrs{{0, 0, 1, 2, 0, 0, 3, 4}, 0}) ==
          f32({1, 3, 8, 10}));
    ResizeAttrs r;
    r.size = {8, 6};
    CHECK(infer_single({1, 3, 4, 3}, OpKind::resize, r) == f32({1, 3, 8, 6}));
    r.mode = "cubic";
    CHECK(error_of([&] { infer_single({1, 3, 4, 3}, OpKind::resize, r); })
              .find("mode 'cubic' is not one of nearest, linear") != std::string::npos);
}

TEST_CASE("split results and reshape element counts") {
    Graph g;
    const ValueId x = g.add_input("x", f32({1, 6, 2, 2}));
    const auto parts = g.add_op(OpKind::split, {x}, SplitAttrs{1, {2, 4}}, {"a", "b"});
    g.set_outputs(parts);
    infer_shapes(g);
    CHECK(g.type(parts[0]) == f32({1, 2, 2, 2}));
    CHECK(g.type(parts[1]) == f32({1, 4, 2, 2}));
    CHECK(error_of([] { infer_single({1, 6, 2, 2}, OpKind::reshape, ReshapeAttrs{{5, 5}}); })
              .find("cannot reshape f32[1,6,2,2] (24 elements) to [5,5]") != std::string::npos);
}

TEST_CASE("a declared type that disagrees with inference is an error") {
    Graph g;
    const ValueId x = g.add_input("x", f32({1, 3, 4, 4}), "net.cnn:1:1");
    const ValueId y = g.add(OpKind::relu, {x}, NoAttrs{}, "y", "net.cnn:2:1");
    g.value(y).type = f32({1, 3, 4, 5});
    g.set_outputs({y});
    CHECK(error_of([&] { infer_shapes(g); }) ==
          "net.cnn:2:1: %y = relu: %y is declared f32[1,3,4,5] but its operands make it "
          "f32[1,3,4,4]");
}

TEST_CASE("wrong operand count is reported with the op's arity") {
    Graph g;
    const ValueId x = g.add_input("x", f32({1, 3, 4, 4}));
    const ValueId y = g.add(OpKind::add, {x}, NoAttrs{}, "y", "net.cnn:2:1");
    g.set_outputs({y});
    CHECK(error_of([&] { infer_shapes(g); }) == "net.cnn:2:1: %y = add: takes 2 to 2 operands, got 1");
}
