// The printer against golden text: only non-default attributes, shortest doubles, constants as
// initialisers / inline values / sidecar files, quoting of names the bare syntax cannot carry.
#include "ir/Printer.h"
#include "ir/Error.h"
#include "ir/Npy.h"
#include "ir/ShapeInference.h"

#include "tests/FreshDir.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string &name) { return testing::fresh_dir("cnnc-print", name); }

std::string read_text(const fs::path &path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

Initializer init_of(Initializer::Kind kind, uint64_t seed, double lo = 0, double hi = 0) {
    Initializer init;
    init.kind = kind;
    init.seed = seed;
    init.lo = lo;
    init.hi = hi;
    return init;
}

Graph small_graph() {
    Graph g;
    g.name = "small";
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId w =
        g.add_constant("w", ConstantData::from_init({DType::f32, {4, 2, 3, 3}},
                                                    init_of(Initializer::Kind::he_normal, 17)));
    const ValueId b =
        g.add_constant("b", ConstantData::from_values({DType::f32, {4}}, {0.5f, -1, 2, 0.1f}));
    Conv2DAttrs conv;
    conv.kernel = {3, 3};
    conv.pad = {1, 1, 1, 1};
    const ValueId c = g.add(OpKind::conv2d, {x, w, b}, conv, "c");
    const ValueId r = g.add(OpKind::relu, {c}, NoAttrs{}, "r");
    SplitAttrs split;
    split.sizes = {1, 3};
    const auto parts = g.add_op(OpKind::split, {r}, split, {"a", "b2"});
    PoolAttrs pool;
    pool.kernel = {2, 2};
    pool.stride = {2, 2};
    pool.ceil_mode = true;
    const ValueId p = g.add(OpKind::max_pool, {parts[0]}, pool, "p");
    BatchNormAttrs bn;
    bn.epsilon = 1e-3;
    const ValueId s = g.add_constant(
        "s", ConstantData::from_init({DType::f32, {3}},
                                     init_of(Initializer::Kind::uniform, 3, -0.1, 0.1)));
    const ValueId y = g.add(OpKind::batch_norm, {parts[1], s, s, s, s}, bn, "y");
    g.set_outputs({p, y});
    infer_shapes(g);
    return g;
}

} // namespace

TEST_CASE("printer: golden text of a small graph") {
    CHECK(print(small_graph()) ==
          "graph @small\n"
          "%x = input() : f32[1,2,4,4]\n"
          "%w = constant() {init=he_normal, seed=17} : f32[4,2,3,3]\n"
          "%b = constant() {value=[0.5, -1, 2, 0.1]} : f32[4]\n"
          "%c = conv2d(%x, %w, %b) {kernel=[3,3], pad=[1,1,1,1]} : f32[1,4,4,4]\n"
          "%r = relu(%c) : f32[1,4,4,4]\n"
          "%a, %b2 = split(%r) {sizes=[1,3]} : f32[1,1,4,4], f32[1,3,4,4]\n"
          "%p = max_pool(%a) {kernel=[2,2], stride=[2,2], ceil_mode=true} : f32[1,1,2,2]\n"
          "%s = constant() {init=uniform, seed=3, lo=-0.1, hi=0.1} : f32[3]\n"
          "%y = batch_norm(%b2, %s, %s, %s, %s) {epsilon=0.001} : f32[1,3,4,4]\n"
          "return %p, %y\n");
}

TEST_CASE("printer: values without a type print '?', an untyped op prints no ':'") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {2, 6}});
    SplitAttrs split;
    split.axis = 1;
    split.sizes = {2, 4};
    const auto parts = g.add_op(OpKind::split, {x}, split, {"a", "b"});
    g.value(parts[1]).type = TensorType{DType::f32, {2, 4}};
    const ValueId n = g.add(OpKind::neg, {parts[0]}, NoAttrs{}, "n");
    g.set_outputs({n, parts[1]});
    CHECK(print(g) == "graph @main\n"
                      "%x = input() : f32[2,6]\n"
                      "%a, %b = split(%x) {sizes=[2,4]} : ?, f32[2,4]\n"
                      "%n = neg(%a)\n"
                      "return %n, %b\n");
}

TEST_CASE("printer: names outside [A-Za-z0-9_.:/-] and odd strings are quoted") {
    Graph g;
    g.name = "my net";
    const ValueId x = g.add_input("input 0", {DType::f32, {1, 1, 2, 2}});
    const ValueId ok = g.add(OpKind::relu, {x}, NoAttrs{}, "conv_1/Relu:0");
    ResizeAttrs resize;
    resize.size = {4, 4};
    resize.mode = "two words";
    resize.coord = "true"; // would read back as a bool if printed bare
    const ValueId r = g.add(OpKind::resize, {ok}, resize, "r\"q");
    g.set_outputs({r});
    CHECK(print(g) == "graph @\"my net\"\n"
                      "%\"input 0\" = input() : f32[1,1,2,2]\n"
                      "%conv_1/Relu:0 = relu(%\"input 0\")\n"
                      "%\"r\\\"q\" = resize(%conv_1/Relu:0) {size=[4,4], mode=\"two words\", "
                      "coord=\"true\"}\n"
                      "return %\"r\\\"q\"\n");
}

TEST_CASE("printer: doubles print in their shortest round-tripping form") {
    Graph g;
    const ValueId x = g.add_input("x", {DType::f32, {1, 4, 2, 2}});
    LrnAttrs lrn;
    lrn.alpha = 1e-5;
    lrn.beta = 1.0 / 3.0;
    lrn.bias = -0.0;
    const ValueId y = g.add(OpKind::lrn, {x}, lrn, "y");
    ClipAttrs clip;
    clip.min = -std::numeric_limits<double>::infinity();
    clip.max = 1e300;
    const ValueId z = g.add(OpKind::clip, {y}, clip, "z");
    g.set_outputs({z});
    const std::string text = print(g);
    CHECK(text.find("{alpha=1e-05, beta=0.3333333333333333, bias=-0}") != std::string::npos);
    CHECK(text.find("{min=-inf, max=1e+300}") != std::string::npos);
}

TEST_CASE("printer: a large constant without an initialiser prints data=elided without a folder") {
    Graph g;
    std::vector<float> values(17, 0.25f);
    const ValueId c = g.add_constant("big", ConstantData::from_values({DType::f32, {17}}, values));
    g.set_outputs({c});
    CHECK(print(g) == "graph @main\n%big = constant() {data=elided} : f32[17]\nreturn %big\n");
    PrintOptions options;
    options.max_inline_elements = 17;
    CHECK(print(g, options).find("{value=[0.25, 0.25,") != std::string::npos);
}

TEST_CASE("printer: sidecar files get safe, unique names (case-insensitively) and exact data") {
    const fs::path dir = fresh_dir("sidecar");
    Graph g;
    std::vector<float> values(20);
    for (size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(i) / 3.0f;
    std::vector<ValueId> outs;
    for (const char *name : {"conv/w", "conv_w", "Conv_W", "../up"})
        outs.push_back(
            g.add_constant(name, ConstantData::from_values({DType::f32, {4, 5}}, values)));
    g.set_outputs(outs);
    PrintOptions options;
    options.weights_dir = (dir / "w").string();
    options.weights_ref = "w";
    const std::string text = print(g, options);
    CHECK(text == "graph @main\n"
                  "%conv/w = constant() {data=\"w/conv_w.npy\"} : f32[4,5]\n"
                  "%conv_w = constant() {data=\"w/conv_w.1.npy\"} : f32[4,5]\n"
                  "%Conv_W = constant() {data=\"w/Conv_W.2.npy\"} : f32[4,5]\n"
                  "%../up = constant() {data=\"w/_._up.npy\"} : f32[4,5]\n"
                  "return %conv/w, %conv_w, %Conv_W, %../up\n");
    const Tensor back = read_npy((dir / "w" / "Conv_W.2.npy").string());
    CHECK(back.type == TensorType{DType::f32, {4, 5}});
    CHECK(back.data == values);
    CHECK(std::distance(fs::directory_iterator(dir / "w"), fs::directory_iterator()) == 4);
    fs::remove_all(dir);
}

TEST_CASE("printer: print_to_file writes NAME.weights/ only when a constant needs it") {
    const fs::path dir = fresh_dir("tofile");
    print_to_file(small_graph(), (dir / "small.cnn").string());
    CHECK(read_text(dir / "small.cnn") == print(small_graph()));
    CHECK(!fs::exists(dir / "small.weights"));

    Graph g;
    const ValueId c = g.add_constant(
        "w", ConstantData::from_values({DType::f32, {32}}, std::vector<float>(32, 1)));
    g.set_outputs({c});
    print_to_file(g, (dir / "net.cnn").string());
    CHECK(read_text(dir / "net.cnn") ==
          "graph @main\n%w = constant() {data=\"net.weights/w.npy\"} : f32[32]\nreturn %w\n");
    CHECK(read_npy((dir / "net.weights" / "w.npy").string()).data == std::vector<float>(32, 1));
    // Only the two outputs and the folder: no temporary files left behind.
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 3);
    fs::remove_all(dir);
}

TEST_CASE("printer: print_to_file into a missing folder is a CompileError naming the path") {
    try {
        print_to_file(small_graph(), "/nonexistent/cnnc/out.cnn");
        FAIL("expected an error");
    } catch (const CompileError &e) {
        CHECK(std::string(e.what()) ==
              "/nonexistent/cnnc/out.cnn: cannot write: No such file or directory");
    }
}
