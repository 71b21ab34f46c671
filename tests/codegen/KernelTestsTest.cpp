// `cnnc test-kernels` and `cnnc compile --emit-tests`, run as a user runs them: every kernel of
// small models passes against the reference; a kernel built wrong on purpose (the test-only
// CNNC_TEST_ONLY_WRONG_KERNEL mutation, see codegen/KernelSignature.h) is caught with exit 1 and
// only the mutated algorithm fails; an emitted project configures, builds and passes under ctest,
// and fails once one of its expected outputs is altered. Every zoo model at small size is in the
// `slow` suite.
#include "ir/Npy.h"
#include "tests/codegen/CompiledModel.h"

#include <regex>
#include <sstream>

using namespace cnnc;

namespace {

struct Outcome {
    int status = -1;
    std::string output;
};

Outcome shell(const std::string &command) {
    // Per process: ctest -j2 runs this file's cases as separate processes at once.
    const std::string out = fmt::format("{}/kernel-tests-command.{}.out", testing::scratch_dir(), ::getpid());
    const int raw = std::system((command + " > " + out + " 2>&1").c_str());
    std::ifstream in(out);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, std::string(std::istreambuf_iterator<char>(in), {})};
}

Outcome test_kernels(const std::string &model, const std::string &env = "") {
    return shell(fmt::format("{} {} test-kernels {} -q --cache-dir {}", env, CNNC_BINARY, testing::shell_quote(model),
                             testing::shell_quote(testing::scratch_dir() + "/cache")));
}

struct Summary {
    int passed = -1, failed = -1;
    std::vector<std::string> pass_lines, fail_lines;
};

// Reads the per-kernel lines and the closing `N passed, N failed`, which must be the last line.
Summary summarise(const std::string &output) {
    Summary s;
    std::istringstream lines(output);
    std::string line, last;
    while (std::getline(lines, line)) {
        if (line.rfind("cnnc_k_", 0) == 0) {
            if (line.size() >= 4 && line.compare(line.size() - 4, 4, "PASS") == 0) s.pass_lines.push_back(line);
            else if (line.size() >= 4 && line.compare(line.size() - 4, 4, "FAIL") == 0) s.fail_lines.push_back(line);
        }
        if (!line.empty()) last = line;
    }
    std::smatch m;
    if (std::regex_match(last, m, std::regex(R"((\d+) passed, (\d+) failed)"))) {
        s.passed = std::stoi(m[1]);
        s.failed = std::stoi(m[2]);
    }
    return s;
}

void check_all_pass(const std::string &model) {
    const Outcome o = test_kernels(model);
    INFO(model, "\n", o.output);
    CHECK(o.status == 0);
    const Summary s = summarise(o.output);
    CHECK(s.failed == 0);
    CHECK(s.passed > 0);
    CHECK(s.passed == static_cast<int>(s.pass_lines.size()));
    CHECK(o.output.find("tolerance: max |kernel - reference| <= 0.0001 x max |reference|") != std::string::npos);
}

} // namespace

TEST_CASE("test-kernels: every op kind and a conv net pass") {
    check_all_pass(CNNC_TEST_DATA_DIR "/codegen/data/all_ops.cnn");
    check_all_pass(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn");
}

TEST_CASE("test-kernels: zoo resnet18 at 32x32 passes, one line per distinct kernel") {
    const Outcome o = test_kernels("zoo:resnet18?input=32&classes=10");
    INFO(o.output);
    REQUIRE(o.status == 0);
    const Summary s = summarise(o.output);
    CHECK(s.failed == 0);
    // The header states how many distinct kernels serve how many calls; ResNet-18 repeats blocks.
    std::smatch m;
    REQUIRE(std::regex_search(o.output, m, std::regex(R"((\d+) distinct kernels for (\d+) kernel calls)")));
    CHECK(std::stoi(m[1]) == s.passed);
    CHECK(std::stoi(m[1]) < std::stoi(m[2]));
}

TEST_CASE("test-kernels catches a deliberately wrong kernel") {
    // The mutation adds 0.5 along the x == 0 border of conv-direct kernels only.
    const Outcome o = test_kernels("zoo:resnet18?input=32&classes=10", "CNNC_TEST_ONLY_WRONG_KERNEL=conv-direct");
    INFO(o.output);
    CHECK(o.status == 1);
    const Summary s = summarise(o.output);
    CHECK(s.failed > 0);
    CHECK(s.failed == static_cast<int>(s.fail_lines.size()));
    for (const std::string &line : s.fail_lines) CHECK(line.find("[conv-direct]") != std::string::npos);
    for (const std::string &line : s.pass_lines) CHECK(line.find("[conv-direct]") == std::string::npos);
    CHECK(s.passed > 0);
    CHECK(o.output.find("warning: CNNC_TEST_ONLY_WRONG_KERNEL=conv-direct is set") != std::string::npos);
    // The wrong objects are cached under their own names: without the variable all is well again.
    check_all_pass("zoo:resnet18?input=32&classes=10");
}

TEST_CASE("compile --emit-tests writes a project that passes on its own, and fails on a wrong result") {
    const std::string dir = testing::scratch_dir() + "/emitted-basic-block";
    std::filesystem::remove_all(dir);
    std::string log;
    const int status = testing::cnnc_compile(CNNC_TEST_DATA_DIR "/ir/data/basic_block.cnn",
                                             testing::scratch_dir() + "/libbasic_block_emit.so",
                                             "--emit-tests " + testing::shell_quote(dir), &log);
    REQUIRE_MESSAGE(status == 0, log);
    const std::string q = testing::shell_quote(dir);
    const Outcome built = shell(fmt::format("cmake -S {0} -B {0}/build -G Ninja -DCMAKE_BUILD_TYPE=Release && "
                                            "cmake --build {0}/build",
                                            q));
    REQUIRE_MESSAGE(built.status == 0, built.output);
    const Outcome passed = shell(fmt::format("ctest --test-dir {}/build --output-on-failure", q));
    INFO(passed.output);
    CHECK(passed.status == 0);
    CHECK(passed.output.find("100% tests passed") != std::string::npos);
    CHECK(passed.output.find("whole model") != std::string::npos);
    CHECK(passed.output.find("kernel 0:") != std::string::npos);

    // Alter the whole model's expected output by 1% of its scale in one element: ctest must fail.
    const std::string expected = dir + "/data/model/expected0.npy";
    ir::Tensor t = ir::read_npy(expected);
    float scale = 0;
    for (float v : t.data) scale = std::max(scale, std::fabs(v));
    t.data[t.data.size() / 2] += 0.01f * scale;
    ir::write_npy(expected, t);
    const Outcome failed = shell(fmt::format("ctest --test-dir {}/build -R 'whole model'", q));
    INFO(failed.output);
    CHECK(failed.status != 0);
}

TEST_SUITE("slow") {
    TEST_CASE("test-kernels: every zoo architecture at reduced size") {
        for (const char *m : {"resnet50?input=64", "mobilenet_v2?input=64", "googlenet?input=64",
                              "resnext50_32x4d?input=64", "densenet121?input=64", "squeezenet1_1?input=64",
                              "shufflenet_v2_x1_0?input=64", "mobilenet_v1?input=64", "alexnet_lrn?input=67",
                              "vgg11?input=32", "inception_v3?input=75"})
            check_all_pass(std::string("zoo:") + m);
    }
}
