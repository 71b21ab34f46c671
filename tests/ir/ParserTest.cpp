// The parser: hand-written text (comments, forward references, omitted types, sugar that creates
// weights) and one test per kind of error, each checking the message and its line:column.
#include "ir/Parser.h"
#include "ir/Error.h"
#include "ir/Npy.h"
#include "ir/ShapeInference.h"
#include "ir/Verifier.h"

#include <doctest/doctest.h>

#include <filesystem>

#include <unistd.h>

using namespace cnnc;
using namespace cnnc::ir;

namespace {

namespace fs = std::filesystem;

std::string error_of(const std::string &text) {
    try {
        parse(text, "net.cnn");
    } catch (const CompileError &e) {
        return e.what();
    }
    return "(no error)";
}

const Op &producer(const Graph &g, const std::string &name) {
    const auto id = g.find_value(name);
    REQUIRE_MESSAGE(id.has_value(), "no value %" << name);
    return g.op(g.value(*id).producer);
}

const Initializer &init_of(const Graph &g, const std::string &name) {
    const ConstantData *data = g.constant_data(*g.find_value(name));
    REQUIRE(data != nullptr);
    REQUIRE(data->init().has_value());
    return *data->init();
}

} // namespace

TEST_CASE("parser: comments, header, omitted and declared types, forward references") {
    const Graph g = parse("# a comment line\n"
                          "graph @tiny   # trailing comment\n"
                          "\n"
                          "%y = add(%r, %b)            # %r is defined on the next line\n"
                          "%r = relu(%x)\n"
                          "%x = input() : f32[1,3,2,2]\n"
                          "%b = constant() {value=[0.5, -1, 2]} : f32[1,3,1,1]\n"
                          "%n = neg(%x)\n"
                          "return %y, %n\n",
                          "tiny.cnn");
    CHECK(g.name == "tiny");
    REQUIRE(g.ops().size() == 5);
    CHECK(g.ops()[0].kind == OpKind::add);
    CHECK(g.value(g.ops()[0].inputs[0]).name == "r");
    CHECK(g.value(g.ops()[0].inputs[1]).name == "b");
    CHECK(g.ops()[0].origin == "tiny.cnn:4:1");
    // %n's operand was typed when its line was read, so it is typed by the parser; %r and %y
    // read values defined later and stay for infer_shapes.
    CHECK(g.value(*g.find_value("n")).type == TensorType{DType::f32, {1, 3, 2, 2}});
    CHECK(!g.value(*g.find_value("r")).type);
    CHECK(g.constant_data(*g.find_value("b"))->values() == std::vector<float>{0.5f, -1, 2});
    CHECK(g.outputs().size() == 2);
    Graph typed = g;
    infer_shapes(typed);
    verify(typed);
    CHECK(typed.type(*typed.find_value("y")) == TensorType{DType::f32, {1, 3, 2, 2}});
}

TEST_CASE("parser: the default graph name is main, an empty return is allowed") {
    const Graph g = parse("%x = input() : f32[]\nreturn\n", "s.cnn");
    CHECK(g.name == "main");
    CHECK(g.outputs().empty());
    CHECK(g.type(*g.find_value("x")) == TensorType{DType::f32, {}});
}

TEST_CASE("parser: a declared type is kept as declared, for the verifier to compare") {
    const Graph g =
        parse("%x = input() : f32[1,2]\n%y = relu(%x) : f32[1,5]\nreturn %y\n", "d.cnn");
    CHECK(g.type(*g.find_value("y")) == TensorType{DType::f32, {1, 5}});
}

TEST_CASE("parser: conv2d sugar creates a seeded he_normal weight (and bias) before the op") {
    const Graph g = parse("graph @net\n"
                          "%x = input() : f32[1,6,8,8]\n"
                          "%c = conv2d(%x) {out=4, kernel=[3,3], groups=2, bias=true}\n"
                          "return %c\n",
                          "net.cnn");
    REQUIRE(g.ops().size() == 4);
    CHECK(g.value(g.ops()[1].outputs[0]).name == "c.w");
    CHECK(g.value(g.ops()[2].outputs[0]).name == "c.b");
    const Op &conv = g.ops()[3];
    CHECK(conv.kind == OpKind::conv2d);
    REQUIRE(conv.inputs.size() == 3);
    CHECK(g.value(conv.inputs[1]).name == "c.w");
    CHECK(g.type(conv.inputs[1]) == TensorType{DType::f32, {4, 3, 3, 3}});
    CHECK(g.type(conv.inputs[2]) == TensorType{DType::f32, {4}});
    CHECK(conv.attr<Conv2DAttrs>().groups == 2);
    CHECK(g.ops()[1].origin == "net.cnn:3:1");
    const Initializer &w = init_of(g, "c.w");
    CHECK(w.kind == Initializer::Kind::he_normal);
    CHECK(w.seed == seed_from_name("net/c.w"));
    const Initializer &b = init_of(g, "c.b");
    CHECK(b.kind == Initializer::Kind::uniform);
    CHECK(b.lo == -0.1);
    CHECK(b.hi == 0.1);
    CHECK(b.seed == seed_from_name("net/c.b"));
    CHECK(g.type(*g.find_value("c")) == TensorType{DType::f32, {1, 4, 6, 6}});
}

TEST_CASE("parser: conv_transpose, batch_norm and gemm sugar, relu6 means clip") {
    const Graph g = parse("%x = input() : f32[1,4,5,5]\n"
                          "%t = conv_transpose(%x) {out=6, kernel=[2,2], stride=[2,2], groups=2}\n"
                          "%n = batch_norm(%t)\n"
                          "%r = relu6(%n)\n"
                          "%f = flatten(%r)\n"
                          "%fc = gemm(%f) {out=10}\n"
                          "return %fc\n",
                          "s.cnn");
    CHECK(g.type(*g.find_value("t.w")) == TensorType{DType::f32, {4, 3, 2, 2}});
    CHECK(!g.find_value("t.b"));
    CHECK(producer(g, "t").inputs.size() == 2);
    const Op &bn = producer(g, "n");
    REQUIRE(bn.inputs.size() == 5);
    const char *stats[] = {"n.scale", "n.bias", "n.mean", "n.var"};
    const double lo[] = {0.5, -0.5, -0.5, 0.5};
    for (int i = 0; i < 4; ++i) {
        CHECK(g.value(bn.inputs[i + 1]).name == stats[i]);
        CHECK(g.type(bn.inputs[i + 1]) == TensorType{DType::f32, {6}});
        CHECK(init_of(g, stats[i]).lo == lo[i]);
        CHECK(init_of(g, stats[i]).hi == lo[i] + 1);
        CHECK(init_of(g, stats[i]).seed == seed_from_name(std::string("main/") + stats[i]));
    }
    const Op &clip = producer(g, "r");
    CHECK(clip.kind == OpKind::clip);
    CHECK(clip.attr<ClipAttrs>().min == 0);
    CHECK(clip.attr<ClipAttrs>().max == 6);
    const Op &fc = producer(g, "fc");
    CHECK(fc.attr<GemmAttrs>().trans_b);
    CHECK(g.type(*g.find_value("fc.w")) == TensorType{DType::f32, {10, 6 * 10 * 10}});
    CHECK(g.type(*g.find_value("fc.b")) == TensorType{DType::f32, {10}});
    CHECK(g.type(*g.find_value("fc")) == TensorType{DType::f32, {1, 10}});
    Graph typed = g;
    infer_shapes(typed);
    verify(typed);
}

TEST_CASE("parser: data= is read relative to the text file's folder") {
    const fs::path dir = fs::temp_directory_path() / fmt::format("cnnc-parse-data-{}", ::getpid());
    fs::create_directories(dir / "net.weights");
    write_npy((dir / "net.weights" / "w.npy").string(),
              Tensor(TensorType{DType::f32, {2, 2}}, {1, 2, 3, 4}));
    const std::string text = "%w = constant() {data=\"net.weights/w.npy\"}\nreturn %w\n";
    const Graph g = parse(text, (dir / "net.cnn").string());
    CHECK(g.type(*g.find_value("w")) == TensorType{DType::f32, {2, 2}});
    CHECK(g.constant_data(*g.find_value("w"))->values() == std::vector<float>{1, 2, 3, 4});
    try {
        parse("%w = constant() {data=\"net.weights/w.npy\"} : f32[4]\nreturn %w\n",
              (dir / "net.cnn").string());
        FAIL("expected an error");
    } catch (const CompileError &e) {
        CHECK(std::string(e.what()).find("net.cnn:1:23: net.weights/w.npy holds f32[2,2], but the "
                                         "line declares f32[4]") != std::string::npos);
    }
    fs::remove_all(dir);
    CHECK(error_of(text).rfind("net.cnn:1:23: cannot load data: net.weights/w.npy: cannot open",
                               0) == 0);
}

TEST_CASE("parser errors: syntax") {
    CHECK(
        error_of(
            "%x = input() : f32[1]\n%w = input() : f32[1]\n%c = conv2d(%x, %w {kernel=[3,3]}\n") ==
        "net.cnn:3:20: expected ')' after operands, found '{'");
    CHECK(error_of("%x = input() : f32[1]\n%y = relu(%x) : f32[1\nreturn %y\n") ==
          "net.cnn:2:22: expected ']' to close the dims, found end of line");
    CHECK(error_of("%x = input() : f32[1] %y\n") == "net.cnn:1:23: expected end of line, found %y");
    CHECK(error_of("%x input()\n") ==
          "net.cnn:1:4: expected '=' after the result names, found 'input'");
    CHECK(error_of("%x = \n") == "net.cnn:1:6: expected an op name after '=', found end of line");
    CHECK(
        error_of("x = relu(%y)\n").rfind("net.cnn:1:1: expected a line like '%x = relu(%y)'", 0) ==
        0);
    CHECK(error_of("%x = input() : f32[1]\n%y = relu(%x) $\n") ==
          "net.cnn:2:15: unexpected character '$'");
    CHECK(error_of("%x = input() {mode=\"abc}\n") ==
          "net.cnn:1:20: unterminated string: expected a closing '\"' on this line");
    CHECK(error_of("%x = input() : f33[1]\nreturn %x\n") ==
          "net.cnn:1:16: unknown dtype 'f33' (known: f32, f16, i8, i32, i64)");
    CHECK(error_of("%x = input() : f32[1,-2]\n") ==
          "net.cnn:1:22: expected a dimension (an integer >= 0), found -2");
    CHECK(error_of("%x = input() : f32[1]\n%a, %b = relu(%x) : f32[1]\n") ==
          "net.cnn:2:10: the line names 2 results but gives 1 types after ':'");
}

TEST_CASE("parser errors: ops, names and arity") {
    CHECK(error_of("%x = input() : f32[1,3,8,8]\n\n\n\n%c = conv3d(%x)\n")
              .rfind("net.cnn:5:6: unknown op 'conv3d' (known: input, constant, conv2d, "
                     "conv_transpose, batch_norm, scale_shift, relu,",
                     0) == 0);
    CHECK(error_of("%x = input() : f32[1]\n\n\n%c = relu(%x)\n\n\n%c = neg(%x)\nreturn %c\n") ==
          "net.cnn:7:1: %c is defined twice (first at line 4)");
    // A name the sugar creates counts as defined by the sugar's line.
    CHECK(error_of("%x = input() : f32[1,3,8,8]\n%c = conv2d(%x) {out=4}\n%c.w = neg(%x)\n") ==
          "net.cnn:3:1: %c.w is defined twice (first at line 2)");
    CHECK(error_of("%x = input() : f32[1]\n\n\n\n\n\n\n\n%y = add(%x,      %q)\nreturn %y\n") ==
          "net.cnn:9:19: use of undefined value %q");
    CHECK(error_of("%x = input() : f32[1]\nreturn %x, %nope\n") ==
          "net.cnn:2:12: use of undefined value %nope");
    CHECK(error_of("%x = input() : f32[1,3,8,8]\n%c = conv_transpose(%x) {kernel=[3,3]}\n") ==
          "net.cnn:2:6: conv_transpose takes 2 to 3 operands, got 1 (or give out=N to create the "
          "weights)");
    CHECK(error_of("%x = input() : f32[1,3,8,8]\n%c = conv2d(%x) {kernel=[3,3]}\n") ==
          fmt::format("net.cnn:2:6: conv2d takes 2 to {} operands, got 1 (or give out=N to create "
                      "the weights)",
                      max_inputs(OpKind::conv2d)));
    CHECK(error_of("%x = input() : f32[1]\n%y = relu(%x, %x)\n") ==
          "net.cnn:2:6: relu takes 1 operand, got 2");
    CHECK(error_of("%y = concat()\n") == "net.cnn:1:6: concat takes at least 1 operand, got 0");
    CHECK(error_of("%x = input() : f32[4]\n%a, %b, %c = split(%x) {axis=0, sizes=[2,2]}\n") ==
          "net.cnn:2:14: split makes 2 results (one per entry of sizes), the line names 3");
    CHECK(error_of("%x = input()\nreturn %x\n") ==
          "net.cnn:1:6: input %x needs a type: add ': f32[...]' to the line");
    CHECK(error_of("%x = input() : f32[1]\n") ==
          "net.cnn:2:1: expected a 'return' line listing the graph outputs, found none");
    CHECK(error_of("%x = input() : f32[1]\nreturn %x\nreturn %x\n") ==
          "net.cnn:3:1: second 'return' line (first at line 2)");
    CHECK(error_of("%x = input() : f32[1]\ngraph @late\n") ==
          "net.cnn:2:1: the 'graph' header must come before the first op");
}

TEST_CASE("parser errors: attributes") {
    const std::string x = "%x = input() : f32[1,3,8,8]\n%w = input() : f32[4,3,3,3]\n";
    const std::string strid = error_of(x + "%c = conv2d(%x, %w) {strid=[2,2]}\n");
    CHECK(strid.rfind("net.cnn:3:22: unknown attribute 'strid' for conv2d (valid: kernel, stride, "
                      "pad, dilation, groups",
                      0) == 0);
    const std::string sugar_keys = "; and out, bias when the weights are left out)";
    CHECK(strid.find(sugar_keys) == strid.size() - sugar_keys.size());
    CHECK(error_of(x + "%r = relu(%x) {alpha=1}\n") ==
          "net.cnn:3:16: unknown attribute 'alpha' for relu (valid: none)");
    CHECK(error_of(x + "%c = conv2d(%x, %w) {kernel=3}\n") ==
          "net.cnn:3:29: attribute 'kernel' of conv2d expects a list of 2 integers, found 3");
    CHECK(error_of(x + "%c = conv2d(%x, %w) {kernel=[3,3,3]}\n") ==
          "net.cnn:3:29: attribute 'kernel' of conv2d expects a list of 2 integers, found a list "
          "of 3 values");
    CHECK(error_of(x + "%c = conv2d(%x, %w) {kernel=[3,3.5]}\n") ==
          "net.cnn:3:32: attribute 'kernel' of conv2d expects a list of 2 integers, found 3.5");
    CHECK(error_of(x + "%c = conv2d(%x, %w) {groups=1.5}\n") ==
          "net.cnn:3:29: attribute 'groups' of conv2d expects an integer, found 1.5");
    CHECK(
        error_of(x + "%c = conv2d(%x, %w) {groups=99999999999999999999}\n") ==
        "net.cnn:3:29: attribute 'groups' of conv2d expects an integer that fits in 64 bits, found "
        "99999999999999999999");
    CHECK(error_of(x + "%p = max_pool(%x) {ceil_mode=yes}\n") ==
          "net.cnn:3:30: attribute 'ceil_mode' of max_pool expects true or false, found 'yes'");
    CHECK(error_of(x + "%p = leaky_relu(%x) {alpha=fast}\n") ==
          "net.cnn:3:28: attribute 'alpha' of leaky_relu expects a number, found 'fast'");
    CHECK(error_of(x + "%p = resize(%x) {size=[4,4], mode=1}\n") ==
          "net.cnn:3:35: attribute 'mode' of resize expects a name or a \"string\", found 1");
    CHECK(error_of(x + "%c = conv2d(%x, %w) {kernel=[3,3], pad=[1,1,1,1], kernel=[1,1]}\n") ==
          "net.cnn:3:51: attribute 'kernel' is given twice (first at column 22)");
    CHECK(error_of(x + "%r = relu6(%x) {max=5}\n")
              .rfind("net.cnn:3:17: unknown attribute 'max' for relu6", 0) == 0);
    CHECK(error_of(x + "%c = conv2d(%x, %w) {out=4}\n") ==
          "net.cnn:3:22: 'out' asks for created weights, so conv2d takes only its input operand; "
          "found 2 operands");
    CHECK(error_of(x + "%c = conv2d(%x) {out=0}\n") ==
          "net.cnn:3:22: attribute 'out' of conv2d expects a positive integer, found 0");
}

TEST_CASE("parser errors: sugar needs the operand's type") {
    CHECK(error_of("%c = conv2d(%x) {out=8}\n%x = input() : f32[1,3,8,8]\nreturn %c\n") ==
          "net.cnn:1:13: conv2d without weight operands needs the type of %x; define %x before "
          "this line");
    CHECK(error_of("%x = input() : f32[1,3]\n%b = batch_norm(%x)\n%c = gemm(%x) {out=2}\n%d = "
                   "conv2d(%x) {out=2}\nreturn %d\n") ==
          "net.cnn:4:13: conv2d without weight operands needs a 4-D input; %x is f32[1,3]");
    CHECK(error_of("%x = input() : f32[1,3,4,4]\n%c = conv2d(%x) {out=4, groups=2}\nreturn %c\n") ==
          "net.cnn:2:6: groups=2 must divide the 3 input channels of %x and out=4");
}

TEST_CASE("parser errors: constants") {
    CHECK(
        error_of("%w = constant() {data=elided} : f32[64]\n") ==
        "net.cnn:1:23: data=elided: this dump was printed without a weights folder, so the weights "
        "are not in it; print it to a file with -o FILE to get them");
    CHECK(error_of("%w = constant() : f32[2]\n") ==
          "net.cnn:1:6: constant needs its values: init=he_normal|uniform|fill, value=[...] or "
          "data=\"file.npy\"");
    CHECK(error_of("%w = constant() {init=fill, value=[1,2]} : f32[2]\n") ==
          "net.cnn:1:6: constant takes only one of init=, value=[...] and data=");
    CHECK(error_of("%w = constant() {init=glorot} : f32[2]\n") ==
          "net.cnn:1:23: unknown initializer 'glorot' (known: he_normal, uniform, fill)");
    CHECK(error_of("%w = constant() {init=fill, value=2}\n") ==
          "net.cnn:1:6: constant with init= needs a type: add ': f32[...]' to the line");
    CHECK(error_of("%w = constant() {value=[1, 2]} : f32[3]\n") ==
          "net.cnn:1:18: value= lists 2 numbers but the type f32[3] holds 3");
    CHECK(
        error_of("%w = constant() {value=2} : f32[1]\n") ==
        "net.cnn:1:18: 'value' only applies with init=...; inline values are written value=[...]");
    CHECK(
        error_of("%w = constant() {init=uniform, seed=-1} : f32[1]\n") ==
        "net.cnn:1:37: attribute 'seed' of constant expects an integer from 0 to 2^64-1, found -1");
    CHECK(error_of("%w = constant() {init=fill, shape=[1]} : f32[1]\n") ==
          "net.cnn:1:29: unknown attribute 'shape' for constant (valid: init, seed, lo, hi, value, "
          "data)");
}

TEST_CASE("parser: constants read back exactly, including 64-bit seeds and float edge values") {
    const Graph g = parse(
        "%a = constant() {init=uniform, seed=18446744073709551615, lo=-0.1, hi=1e-05} : f32[3]\n"
        "%b = constant() {value=[-0, inf, -inf, 3.4028235e+38, 1e-45]} : f32[5]\n"
        "%c = constant() {init=fill, value=2.5} : f32[2]\n"
        "%d = constant() {value=[1, 2]}\n"
        "return %a, %b, %c, %d\n",
        "c.cnn");
    const Initializer &a = init_of(g, "a");
    CHECK(a.seed == 18446744073709551615ull);
    CHECK(a.lo == -0.1);
    CHECK(a.hi == 1e-05);
    const auto &b = g.constant_data(*g.find_value("b"))->values();
    CHECK(std::signbit(b[0]));
    CHECK(b[1] == std::numeric_limits<float>::infinity());
    CHECK(b[2] == -std::numeric_limits<float>::infinity());
    CHECK(b[3] == std::numeric_limits<float>::max());
    CHECK(b[4] == std::numeric_limits<float>::denorm_min());
    CHECK(g.constant_data(*g.find_value("c"))->values() == std::vector<float>{2.5f, 2.5f});
    CHECK(g.type(*g.find_value("d")) == TensorType{DType::f32, {2}});
}
