// The pass manager: names, pipelines, printing, stats, and verification after each pass.
#include "ir/Error.h"
#include "passes/PassManager.h"
#include "../TestGraphs.h"
#include "PassTestUtil.h"

#include <cstdio>
#include <filesystem>

using namespace cnnc;
using namespace cnnc::ir;

namespace {
Graph small_graph() {
    Graph g;
    g.name = "small";
    const ValueId x = g.add_input("x", {DType::f32, {1, 2, 4, 4}});
    const ValueId d = g.add(OpKind::dropout, {testing::conv_relu(g, x, 2, "c")}, DropoutAttrs{}, "d");
    g.set_outputs({d});
    infer_shapes(g);
    return g;
}

std::string read_stream(std::FILE *f) {
    std::rewind(f);
    std::string text;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, f)) text.append(buffer, n);
    return text;
}
} // namespace

TEST_CASE("unknown pass names are a user error listing the known passes") {
    try {
        passes::parse_pipeline("dce,fold-everything");
        FAIL("expected an error");
    } catch (const CompileError &e) {
        CHECK(std::string(e.what()).find("unknown pass 'fold-everything' (known: dce, ") == 0);
    }
    CHECK_THROWS_AS(passes::parse_pipeline("dce,,dce"), CompileError);
    CHECK(passes::parse_pipeline("eliminate-identity,dce") ==
          std::vector<std::string>{"eliminate-identity", "dce"});
}

TEST_CASE("every default pipeline pass is registered") {
    for (const auto &name : passes::default_pipeline()) CHECK_NOTHROW(passes::find_pass(name));
}

TEST_CASE("print-after and stats write to the print stream") {
    std::FILE *stream = std::tmpfile();
    passes::PassManagerOptions options;
    options.print_stream = stream;
    options.print_after = {"eliminate-identity"};
    options.stats = true;
    const Graph out = passes::run_pipeline(small_graph(), {"eliminate-identity", "dce"}, options);
    const std::string text = read_stream(stream);
    std::fclose(stream);
    CHECK(text.find("eliminate-identity: dropout 1 -> 0") != std::string::npos);
    CHECK(text.find("# *** IR after eliminate-identity ***") != std::string::npos);
    CHECK(text.find("# *** IR after dce ***") == std::string::npos);
    CHECK(text.find("relu(%c)") != std::string::npos);
    CHECK(testing::count_ops(out, OpKind::dropout) == 0);
}

TEST_CASE("dump-dir gets one numbered file per printed pass") {
    const auto dir = std::filesystem::temp_directory_path() / "cnnc-pass-manager-test";
    std::filesystem::remove_all(dir);
    passes::PassManagerOptions options;
    options.print_after_all = true;
    options.dump_dir = dir.string();
    passes::run_pipeline(small_graph(), {"eliminate-identity", "dce"}, options);
    CHECK(std::filesystem::exists(dir / "00-after-eliminate-identity.cnn"));
    CHECK(std::filesystem::exists(dir / "01-after-dce.cnn"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("a pass that breaks the graph is reported as an internal error") {
    // Run the registered machinery on a graph whose types were tampered with after inference:
    // the verifier after the first pass must catch it.
    Graph g = small_graph();
    g.value(*g.find_value("c.relu")).type = TensorType{DType::f32, {9}};
    CHECK_THROWS_AS(passes::run_pipeline(g, {"dce"}), InternalError);
}
