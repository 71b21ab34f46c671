// reference::run as a whole: a small residual block end to end, the bookkeeping of values read
// several times, graph outputs that are also read or are inputs, dead code, evaluate_op on its
// own, and the errors a caller can provoke.
#include "RunOp.h"

#include "ir/Error.h"

using namespace cnnc;
using namespace cnnc::reference::test;
using ir::DType;
using ir::OpKind;
using ir::TensorType;

namespace {

ir::ValueId constant(ir::Graph &g, const std::string &name, ir::Dims dims, std::vector<float> v) {
    return g.add_constant(
        name, ir::ConstantData::from_values(TensorType{DType::f32, std::move(dims)}, std::move(v)));
}

} // namespace

TEST_CASE("conv -> batch_norm -> relu -> residual add, end to end") {
    // x: channel 0 = [1,2,3,4], channel 1 = [-1,0,-2,1].
    // conv 1x1, w = [[1,1],[1,-1]], bias [0,-1]: c0 = x0 + x1 = [0,2,1,5];
    //                                            c1 = x0 - x1 - 1 = [1,1,4,2].
    // batch_norm eps 0, mean [1,0], var [4,1], scale [1,2], bias [0,-4]:
    //   b0 = (c0 - 1) / 2 = [-0.5,0.5,0,2]; b1 = c1 * 2 - 4 = [-2,-2,4,0].
    // relu: [0,0.5,0,2], [0,0,4,0]. + x: [1,2.5,3,6], [-1,0,2,1].
    ir::Graph g;
    const auto x = g.add_input("x", TensorType{DType::f32, {1, 2, 2, 2}});
    const auto w = constant(g, "w", {2, 2, 1, 1}, {1, 1, 1, -1});
    const auto bias = constant(g, "b", {2}, {0, -1});
    const auto c = g.add(OpKind::conv2d, {x, w, bias}, ir::Conv2DAttrs{}, "c");
    const auto bn = g.add(OpKind::batch_norm,
                          {c, constant(g, "scale", {2}, {1, 2}), constant(g, "shift", {2}, {0, -4}),
                           constant(g, "mean", {2}, {1, 0}), constant(g, "var", {2}, {4, 1})},
                          ir::BatchNormAttrs{0.0}, "bn");
    const auto r = g.add(OpKind::relu, {bn}, ir::NoAttrs{}, "r");
    const auto y = g.add(OpKind::add, {r, x}, ir::NoAttrs{}, "y");
    g.set_outputs({y});
    ir::infer_shapes(g);
    ir::verify(g);
    const auto out = reference::run(g, {tensor({1, 2, 2, 2}, {1, 2, 3, 4, -1, 0, -2, 1})});
    REQUIRE(out.size() == 1);
    check_tensor(out[0], {1, 2, 2, 2}, {1, 2.5f, 3, 6, -1, 0, 2, 1});
}

TEST_CASE("values read twice, outputs also read, and an input returned as an output") {
    // a = relu(x) = [0, 2]; s = a + a = [0, 4]; p = a * x = [0, 4]; outputs (s, a, p, x).
    ir::Graph g;
    const auto x = g.add_input("x", TensorType{DType::f32, {2}});
    const auto a = g.add(OpKind::relu, {x}, ir::NoAttrs{}, "a");
    const auto s = g.add(OpKind::add, {a, a}, ir::NoAttrs{}, "s");
    const auto p = g.add(OpKind::mul, {a, x}, ir::NoAttrs{}, "p");
    g.set_outputs({s, a, p, x});
    ir::infer_shapes(g);
    const auto out = reference::run(g, {tensor({2}, {-3, 2})});
    REQUIRE(out.size() == 4);
    check_tensor(out[0], {2}, {0, 4});
    check_tensor(out[1], {2}, {0, 2});
    check_tensor(out[2], {2}, {0, 4});
    check_tensor(out[3], {2}, {-3, 2});
}

TEST_CASE("several graph inputs are matched in order, unused split results are dropped") {
    // y = split(x)[1] - z: x = [1,2,3,4] -> parts [1], [2,3,4]; z = [1,1,1] -> [1,2,3].
    ir::Graph g;
    const auto x = g.add_input("x", TensorType{DType::f32, {4}});
    const auto z = g.add_input("z", TensorType{DType::f32, {3}});
    ir::SplitAttrs sa;
    sa.axis = 0, sa.sizes = {1, 3};
    const auto parts = g.add_op(OpKind::split, {x}, sa, {"head", "tail"});
    g.set_outputs({g.add(OpKind::sub, {parts[1], z}, ir::NoAttrs{}, "y")});
    ir::infer_shapes(g);
    const auto out = reference::run(g, {iota({4}), tensor({3}, {1, 1, 1})});
    check_tensor(out.at(0), {3}, {1, 2, 3});
}

TEST_CASE("constants from a seeded initialiser are materialised") {
    ir::Graph g;
    ir::Initializer init;
    init.kind = ir::Initializer::Kind::uniform, init.lo = -1, init.hi = 1, init.seed = 7;
    const auto data = ir::ConstantData::from_init(TensorType{DType::f32, {3}}, init);
    const auto k = g.add_constant("k", data);
    g.set_outputs({g.add(OpKind::neg, {k}, ir::NoAttrs{}, "y")});
    ir::infer_shapes(g);
    const auto out = reference::run(g, {});
    REQUIRE(out.size() == 1);
    const std::vector<float> &v = data->values();
    check_tensor(out[0], {3}, {-v[0], -v[1], -v[2]});
    CHECK(v[0] != v[1]); // a real draw, not a fill
}

TEST_CASE("dead ops are not evaluated, live non-f32 ops are refused") {
    // An i32 constant the interpreter could not compute with, feeding an op no output needs.
    ir::Graph g;
    const auto x = g.add_input("x", TensorType{DType::f32, {2}});
    const auto i =
        g.add_constant("i", ir::ConstantData::from_values(TensorType{DType::i32, {1}}, {1}));
    const auto dead = g.add(OpKind::relu, {i}, ir::NoAttrs{}, "dead");
    g.set_outputs({g.add(OpKind::neg, {x}, ir::NoAttrs{}, "y")});
    ir::infer_shapes(g);
    check_tensor(reference::run(g, {tensor({2}, {1, -2})}).at(0), {2}, {-1, 2});

    g.set_outputs({dead});
    CHECK_THROWS_WITH_AS(reference::run(g, {tensor({2}, {1, -2})}),
                         "%i = constant: the reference interpreter computes in f32 only, result is "
                         "i32[1]",
                         CompileError);
}

TEST_CASE("evaluate_op runs one op on given operands") {
    ir::Graph g;
    const auto x = g.add_input("x", TensorType{DType::f32, {1, 1, 2, 2}});
    const auto w = constant(g, "w", {1, 1, 2, 2}, {1, 1, 1, 1});
    ir::Conv2DAttrs a;
    a.kernel = {2, 2};
    g.add(OpKind::conv2d, {x, w}, a, "y");
    ir::infer_shapes(g);
    const auto xv = iota({1, 1, 2, 2}), wv = tensor({1, 1, 2, 2}, {1, 1, 1, 1});
    const auto out = reference::evaluate_op(g, g.ops().back(), {&xv, &wv});
    REQUIRE(out.size() == 1);
    check_tensor(out[0], {1, 1, 1, 1}, {10}); // 1 + 2 + 3 + 4
}

TEST_CASE("run reports inputs of the wrong type, count or size") {
    ir::Graph g;
    const auto x = g.add_input("x", TensorType{DType::f32, {1, 3, 8, 8}});
    const auto z = g.add_input("z", TensorType{DType::f32, {2}});
    g.set_outputs({g.add(OpKind::relu, {x}, ir::NoAttrs{}, "y"), z});
    ir::infer_shapes(g);
    const ir::Tensor good_x(TensorType{DType::f32, {1, 3, 8, 8}}), good_z = tensor({2}, {1, 2});

    CHECK_THROWS_WITH_AS(
        reference::run(g, {ir::Tensor(TensorType{DType::f32, {1, 3, 9, 9}}), good_z}),
        "input 0 (%x): expected f32[1,3,8,8], got f32[1,3,9,9]", CompileError);
    CHECK_THROWS_WITH_AS(reference::run(g, {good_x, tensor({3}, {1, 2, 3})}),
                         "input 1 (%z): expected f32[2], got f32[3]", CompileError);
    CHECK_THROWS_WITH_AS(reference::run(g, {good_x}), "graph 'main' takes 2 inputs, got 1",
                         CompileError);
    ir::Tensor short_z(TensorType{DType::f32, {2}}, {1});
    CHECK_THROWS_WITH_AS(reference::run(g, {good_x, short_z}),
                         "input 1 (%z): f32[2] holds 1 values, expected 2", CompileError);
    CHECK_NOTHROW(reference::run(g, {good_x, good_z}));
}
