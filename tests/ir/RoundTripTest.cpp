// parse(print(g)) == g, and print(parse(print(g))) == print(g), for a graph using every op kind
// with non-default attributes, for every kind of constant, and for the hand-written networks in
// data/ (which other tests and the examples use too).
#include "ir/Error.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include "tests/FreshDir.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

namespace fs = std::filesystem;

const std::string data_dir = std::string(CNNC_TEST_DATA_DIR) + "/ir/data/";

fs::path fresh_dir(const std::string &name) { return testing::fresh_dir("cnnc-rt", name); }

ValueId seeded(Graph &g, const std::string &name, Dims dims) {
    Initializer init;
    init.kind = Initializer::Kind::uniform;
    init.lo = -1;
    init.hi = 1;
    init.seed = seed_from_name(name);
    return g.add_constant(name, ConstantData::from_init({DType::f32, std::move(dims)}, init));
}

// One op of every kind in Ops.def, each with attributes that differ from the defaults.
Graph every_op_graph() {
    Graph g;
    g.name = "every_op";
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 8, 8}});

    Conv2DAttrs conv;
    conv.kernel = {3, 3}, conv.stride = {2, 2}, conv.pad = {1, 2, 1, 0}, conv.dilation = {1, 2};
    conv.groups = 2;
    const ValueId c = g.add(OpKind::conv2d,
                            {x, seeded(g, "c.w", {6, 2, 3, 3}), seeded(g, "c.b", {6})}, conv, "c");

    ConvTransposeAttrs deconv;
    // Back to 8x8 from the conv's 4x3: (4-1)*2 + 2 - 0 - 1 + 1 and (3-1)*3 + 2 - 1 - 0 + 1.
    deconv.kernel = {2, 2}, deconv.stride = {2, 3}, deconv.pad = {0, 1, 1, 0};
    deconv.output_padding = {1, 1}, deconv.groups = 2;
    const ValueId t =
        g.add(OpKind::conv_transpose, {c, seeded(g, "t.w", {6, 2, 2, 2})}, deconv, "t");

    BatchNormAttrs bn;
    bn.epsilon = 1e-3;
    const ValueId n = g.add(
        OpKind::batch_norm,
        {t, seeded(g, "n.s", {4}), seeded(g, "n.b", {4}), seeded(g, "n.m", {4}),
         g.add_constant("n.v", ConstantData::from_values({DType::f32, {4}}, {1, 2, 0.5f, 0.25f}))},
        bn, "n");
    ScaleShiftAttrs affine;
    affine.activation = "leaky_relu", affine.alpha = 0.3;
    const ValueId ss =
        g.add(OpKind::scale_shift, {n, seeded(g, "ss.s", {4}), seeded(g, "ss.t", {4})}, affine, "ss");
    const ValueId r = g.add(OpKind::relu, {ss}, NoAttrs{}, "r");
    ClipAttrs clip;
    clip.min = -1.5, clip.max = 2.25;
    const ValueId cl = g.add(OpKind::clip, {r}, clip, "cl");
    LeakyReluAttrs leaky;
    leaky.alpha = 0.2;
    const ValueId lr = g.add(OpKind::leaky_relu, {cl}, leaky, "lr");
    const ValueId sg = g.add(OpKind::sigmoid, {lr}, NoAttrs{}, "sg");
    const ValueId ng = g.add(OpKind::neg, {sg}, NoAttrs{}, "ng");
    const ValueId ad = g.add(OpKind::add, {ng, x}, NoAttrs{}, "ad");
    const ValueId sb = g.add(OpKind::sub, {ad, x}, NoAttrs{}, "sb");
    const ValueId ml = g.add(OpKind::mul, {sb, x}, NoAttrs{}, "ml");
    const ValueId dv = g.add(OpKind::div, {ml, seeded(g, "dv.k", {1, 4, 1, 1})}, NoAttrs{}, "dv");

    PoolAttrs maxp;
    maxp.kernel = {3, 3}, maxp.stride = {2, 2}, maxp.pad = {1, 1, 1, 1}, maxp.dilation = {1, 1};
    maxp.ceil_mode = true;
    const ValueId mp = g.add(OpKind::max_pool, {dv}, maxp, "mp");
    PoolAttrs avgp;
    avgp.kernel = {2, 2}, avgp.stride = {1, 1}, avgp.pad = {0, 0, 1, 1},
    avgp.count_include_pad = true;
    const ValueId ap = g.add(OpKind::avg_pool, {mp}, avgp, "ap");
    const ValueId gap = g.add(OpKind::global_avg_pool, {ap}, NoAttrs{}, "gap");
    const ValueId gmp = g.add(OpKind::global_max_pool, {ap}, NoAttrs{}, "gmp");

    ConcatAttrs cat;
    cat.axis = 3;
    const ValueId ct = g.add(OpKind::concat, {gap, gmp, gap}, cat, "ct"); // [1,4,1,3]
    SplitAttrs split;
    split.axis = 3, split.sizes = {1, 2};
    const auto parts = g.add_op(OpKind::split, {ct}, split, {"sp.0", "sp.1"});
    SliceAttrs slice;
    slice.axes = {1}, slice.starts = {-3}, slice.ends = {100}, slice.steps = {2};
    const ValueId sl = g.add(OpKind::slice, {parts[1]}, slice, "sl"); // [1,2,1,2]
    FlattenAttrs flat;
    flat.axis = 2;
    const ValueId fl = g.add(OpKind::flatten, {sl}, flat, "fl"); // [2,2]
    GemmAttrs gemm;
    gemm.trans_a = true, gemm.trans_b = true, gemm.alpha = 0.5, gemm.beta = -2;
    const ValueId gm = g.add(OpKind::gemm, {fl, seeded(g, "gm.w", {3, 2}), seeded(g, "gm.c", {3})},
                             gemm, "gm"); // [2,3]
    ReshapeAttrs reshape;
    reshape.shape = {1, 3, 2};
    const ValueId rs = g.add(OpKind::reshape, {gm}, reshape, "rs");
    TransposeAttrs transpose;
    transpose.perm = {2, 0, 1};
    const ValueId tp = g.add(OpKind::transpose, {rs}, transpose, "tp"); // [2,1,3]
    SoftmaxAttrs softmax;
    softmax.axis = 1;
    const ValueId sm = g.add(OpKind::softmax, {tp}, softmax, "sm");

    LrnAttrs lrn;
    lrn.size = 3, lrn.alpha = 2e-4, lrn.beta = 0.5, lrn.bias = 2;
    const ValueId ln = g.add(OpKind::lrn, {x}, lrn, "ln");
    PadAttrs pad;
    pad.pads = {0, 0, 1, 2, 0, 0, 2, 1}, pad.value = -0.5;
    const ValueId pd = g.add(OpKind::pad, {ln}, pad, "pd");
    const ValueId cs = g.add(OpKind::channel_shuffle, {pd}, ChannelShuffleAttrs{2}, "cs");
    const ValueId id = g.add(OpKind::identity, {cs}, NoAttrs{}, "id");
    DropoutAttrs dropout;
    dropout.ratio = 0.25;
    const ValueId dr = g.add(OpKind::dropout, {id}, dropout, "dr");
    ResizeAttrs resize;
    resize.size = {22, 22}, resize.mode = "linear", resize.coord = "align_corners";
    resize.nearest = "floor", resize.scale = {2, 2};
    const ValueId rz = g.add(OpKind::resize, {dr}, resize, "rz");

    g.set_outputs({sm, parts[0], rz});
    infer_shapes(g);
    return g;
}

void check_round_trip(const Graph &g, const PrintOptions &options = {},
                      const std::string &filename = "roundtrip.cnn") {
    const std::string text = print(g, options);
    const Graph back = parse(text, filename);
    std::string why;
    CHECK_MESSAGE(structurally_equal(g, back, &why), why, "\n", text);
    CHECK(print(back, options) == text);
}

void check_file_round_trip(const std::string &name) {
    Graph g = parse_file(data_dir + name);
    infer_shapes(g);
    verify(g);
    check_round_trip(g);
    // And through a file, which is how --print-after and the driver write it.
    const fs::path dir = fresh_dir(name);
    print_to_file(g, (dir / name).string());
    const Graph back = parse_file((dir / name).string());
    std::string why;
    CHECK_MESSAGE(structurally_equal(g, back, &why), why);
    fs::remove_all(dir);
}

} // namespace

TEST_CASE("round trip: a graph with every op kind and non-default attributes") {
    const Graph g = every_op_graph();
    verify(g);
    std::set<OpKind> seen;
    for (const Op &op : g.ops())
        seen.insert(op.kind);
    const OpKind all[] = {
#define CNNC_OP(id, name, attrs, min_in, max_in) OpKind::id,
#include "ir/Ops.def"
#undef CNNC_OP
    };
    for (OpKind kind : all)
        CHECK_MESSAGE(seen.count(kind), "no op of kind ", op_name(kind));
    // Every op that has attributes shows some of them: the defaults really were changed.
    const std::string text = print(g);
    for (const Op &op : g.ops())
        if (op.kind != OpKind::input && !std::holds_alternative<NoAttrs>(op.attrs)) {
            const std::string line_start = fmt::format("\n%{}{}", g.value(op.outputs[0]).name,
                                                       op.outputs.size() > 1 ? ", " : " = ");
            const size_t at = text.find(line_start);
            REQUIRE(at != std::string::npos);
            CHECK_MESSAGE(text.substr(at, text.find('\n', at + 1) - at).find('{') !=
                              std::string::npos,
                          line_start);
        }
    check_round_trip(g);
}

TEST_CASE("round trip: constants inline, by initialiser, and as sidecar files") {
    const fs::path dir = fresh_dir("constants");
    Graph g;
    std::vector<ValueId> outs;
    Initializer fill;
    fill.kind = Initializer::Kind::fill;
    fill.value = -0.75;
    outs.push_back(g.add_constant("fill", ConstantData::from_init({DType::f32, {2, 3}}, fill)));
    Initializer he;
    he.kind = Initializer::Kind::he_normal;
    he.seed = seed_from_name("anything");
    outs.push_back(g.add_constant("he", ConstantData::from_init({DType::f32, {8, 3, 3, 3}}, he)));
    outs.push_back(g.add_constant("scalar", ConstantData::from_values({DType::f32, {}}, {0.1f})));
    std::vector<float> awkward{1.0f / 3, -0.0f, 1e-40f,      3.4028235e38f,
                               -7,       0.1f,  16777217.0f, 2.5e-8f};
    outs.push_back(
        g.add_constant("awkward", ConstantData::from_values({DType::f32, {8}}, awkward)));
    std::vector<float> big(1000);
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = std::sin(static_cast<float>(i));
    outs.push_back(
        g.add_constant("layer1/conv:w", ConstantData::from_values({DType::f32, {10, 100}}, big)));
    g.set_outputs(outs);

    PrintOptions options;
    options.weights_dir = (dir / "net.weights").string();
    options.weights_ref = "net.weights";
    const std::string text = print(g, options);
    CHECK(
        text.find(
            "%layer1/conv:w = constant() {data=\"net.weights/layer1_conv_w.npy\"} : f32[10,100]") !=
        std::string::npos);
    check_round_trip(g, options, (dir / "net.cnn").string());
    // The sidecar's bytes are the values themselves, not regenerated from an initialiser.
    const Graph back = parse(text, (dir / "net.cnn").string());
    CHECK(back.constant_data(*back.find_value("layer1/conv:w"))->values() == big);
    CHECK(!back.constant_data(*back.find_value("layer1/conv:w"))->init());
    fs::remove_all(dir);
}

TEST_CASE("round trip: op plans (schedule group, arena offsets, in-place) print and parse back") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId a = g.add(OpKind::relu, {x}, NoAttrs{}, "a");
    const ValueId b = g.add(OpKind::sigmoid, {x}, NoAttrs{}, "b");
    const ValueId c = g.add(OpKind::concat, {a, b}, ConcatAttrs{1}, "c");
    const auto parts = g.add_op(OpKind::split, {c}, SplitAttrs{1, {1, 3}}, {"s0", "s1"});
    g.set_outputs({parts[0], parts[1]});
    infer_shapes(g);
    g.op(g.value(a).producer).plan = OpPlan{0, {0}, false};
    g.op(g.value(b).producer).plan = OpPlan{0, {128}, false};
    g.op(g.value(c).producer).plan = OpPlan{-1, {0}, true};
    g.op(g.value(parts[0]).producer).plan = OpPlan{-1, {0, 32}, true};
    const std::string text = print(g);
    CHECK(text.find("%b = sigmoid(%x) : f32[1,2,4,4] {group=0, offset=[128]}") != std::string::npos);
    CHECK(text.find("%c = concat(%a, %b) : f32[1,4,4,4] {offset=[0], in_place=true}") !=
          std::string::npos);
    const Graph back = parse(text, "plan.cnn");
    std::string why;
    CHECK(structurally_equal(g, back, &why));
    INFO(why);
    CHECK(print(back) == text);
    // schedule-branches' region/branch marks and choose-layout's layout print and parse back.
    g.op(g.value(a).producer).plan.branch = 1;
    g.op(g.value(a).producer).plan.layout = "nhwc";
    g.op(g.value(parts[0]).producer).plan.layout = "c";
    const std::string marked = print(g);
    CHECK(marked.find("%a = relu(%x) : f32[1,2,4,4] {group=0, branch=1, layout=nhwc, offset=[0]}") !=
          std::string::npos);
    const Graph marked_back = parse(marked, "plan.cnn");
    CHECK(structurally_equal(g, marked_back, &why));
    CHECK(print(marked_back) == marked);
    CHECK_THROWS_WITH_AS(parse("%x = input() : f32[2] {layout=nchwc}\nreturn %x\n", "bad.cnn"),
                         doctest::Contains("bad.cnn:1:24: unknown layout 'nchwc' (valid: nhwc, c)"),
                         CompileError);
    // A plan must give one offset per result.
    CHECK_THROWS_WITH_AS(parse("%x = input() : f32[2]\n%y, %z = split(%x) {axis=0, sizes=[1,1]} "
                               ": f32[1], f32[1] {offset=[0]}\nreturn %y\n",
                               "bad.cnn"),
                         doctest::Contains("the plan gives 1 offsets for 2 results"), CompileError);
}

TEST_CASE("round trip: a graph whose ops refer forward keeps its creation order") {
    const std::string text = "graph @fwd\n"
                             "%y = relu(%x) : f32[2]\n"
                             "%x = input() : f32[2]\n"
                             "return %y\n";
    const Graph g = parse(text, "fwd.cnn");
    CHECK(print(g) == text);
    check_round_trip(g);
}

TEST_CASE("round trip: data/basic_block.cnn") {
    check_file_round_trip("basic_block.cnn");
    Graph g = parse_file(data_dir + "basic_block.cnn");
    infer_shapes(g);
    // input; twice (conv weight, conv, 4 BN statistics, batch_norm); relu, add, relu
    CHECK(g.ops().size() == 1 + 2 * 7 + 3);
    CHECK(g.type(g.outputs()[0]) == TensorType{DType::f32, {1, 16, 16, 16}});
}

TEST_CASE("round trip: data/inception_module.cnn") {
    check_file_round_trip("inception_module.cnn");
    Graph g = parse_file(data_dir + "inception_module.cnn");
    infer_shapes(g);
    const Op &concat = g.op(g.value(g.outputs()[0]).producer);
    CHECK(concat.kind == OpKind::concat);
    CHECK(concat.inputs.size() == 4);
    CHECK(g.type(g.outputs()[0]) == TensorType{DType::f32, {1, 32, 16, 16}});
}

TEST_CASE("round trip: data/dense_block.cnn") {
    check_file_round_trip("dense_block.cnn");
    Graph g = parse_file(data_dir + "dense_block.cnn");
    infer_shapes(g);
    CHECK(g.type(*g.find_value("l3")) == TensorType{DType::f32, {1, 40, 16, 16}});
    CHECK(g.type(g.outputs()[0]) == TensorType{DType::f32, {1, 20, 8, 8}});
}
