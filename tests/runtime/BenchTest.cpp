// Kernels one at a time through the C ABI, and `cnnc bench`: the per-kernel entry points describe
// and run the same computation cnnc_run does (kernel by kernel reproduces the whole model's
// output), misuse is an error code with a message, and `cnnc bench --per-layer` reports every
// kernel with per-layer times that add up to roughly the whole model's time (a generous bound:
// this small model runs in a few milliseconds, where clock reads, the NCHW conversion at the
// boundary and other processes weigh), a JSON form, an SVG chart, and a measured FMA peak.
#include "ir/FileIO.h"
#include "tests/codegen/CompiledModel.h"

#include <regex>

#include <unistd.h>

using namespace cnnc;

namespace {

const std::string &resnet18_library() {
    static const std::string library = [] {
        const std::string path = testing::scratch_dir() + "/libresnet18_bench.so";
        std::string log;
        const int status = testing::cnnc_compile("zoo:resnet18?input=32&classes=10", path, "", &log);
        REQUIRE_MESSAGE(status == 0, log);
        return path;
    }();
    return library;
}

struct Outcome {
    int status = -1;
    std::string output;
};

Outcome shell(const std::string &command) {
    // Per process: ctest runs this file's test cases as separate processes, possibly at once.
    const std::string out = fmt::format("{}/bench-command.{}.out", testing::scratch_dir(), ::getpid());
    const int raw = std::system((command + " > " + out + " 2>&1").c_str());
    std::ifstream in(out);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, std::string(std::istreambuf_iterator<char>(in), {})};
}

double json_number(const std::string &json, const std::string &key) {
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(json, m, std::regex("\"" + key + "\": ([-0-9.eE+]+)")), key, " in ", json);
    return std::stod(m[1]);
}

} // namespace

TEST_CASE("running the kernels one by one reproduces cnnc_run") {
    runtime::Library lib(resnet18_library());
    const Model model(lib.api());
    const auto &kernels = model.kernels();
    REQUIRE(kernels.size() > 10);
    for (const KernelInfo &k : kernels) {
        CHECK(k.operands.size() >= 2);
        CHECK_FALSE(k.operands.back().is_constant); // the output lives in the arena
        CHECK(k.function.rfind("cnnc_k_", 0) == 0);
    }
    CHECK(kernels[0].flops > 0);
    const ir::Graph g = frontend::load_model("zoo:resnet18?input=32&classes=10");
    const ir::Tensor x = testing::random_tensor(g.type(g.inputs()[0]), 7);
    Instance instance(model);
    const std::vector<float> whole = instance.run({x.data})[0];
    // A second instance: write the first kernel's input as that kernel reads it (NHWC for a conv),
    // then run every kernel in order; the last kernel's output is the model's (logits, [1,10]).
    Instance stepwise(model);
    const OperandInfo &in = kernels[0].operands[0];
    REQUIRE(in.extents.size() == 4);
    std::vector<float> nhwc(static_cast<size_t>(in.num_elements));
    const int64_t c = in.extents[0], w = in.extents[1], h = in.extents[2];
    for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < h; ++y)
            for (int64_t xx = 0; xx < w; ++xx) nhwc[static_cast<size_t>((y * w + xx) * c + ch)] = x.data[static_cast<size_t>((ch * h + y) * w + xx)];
    stepwise.set_operand(0, 0, nhwc);
    for (int32_t k = 0; k < static_cast<int32_t>(kernels.size()); ++k) stepwise.run_kernel(k);
    const int32_t last = static_cast<int32_t>(kernels.size()) - 1;
    const std::vector<float> got = stepwise.get_operand(last, static_cast<int32_t>(kernels[last].operands.size()) - 1);
    REQUIRE(got.size() == whole.size());
    CHECK(testing::relative_error(got, whole) == 0);
}

TEST_CASE("per-kernel calls report misuse with an error code and a message") {
    runtime::Library lib(resnet18_library());
    const Api &api = lib.api();
    int32_t count = 0;
    REQUIRE(api.num_kernels(&count) == CNNC_OK);
    cnnc_instance *instance = nullptr;
    REQUIRE(api.create(&instance) == CNNC_OK);
    CHECK(api.run_kernel(instance, count) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()).find(fmt::format("kernel {} is out of range (the model has {})", count, count)) !=
          std::string::npos);
    CHECK(api.run_kernel(nullptr, 0) == CNNC_ERROR_INVALID_ARGUMENT);
    cnnc_kernel_info info;
    REQUIRE(api.get_kernel_info(0, &info) == CNNC_OK);
    CHECK(api.get_operand_info(0, info.num_operands, nullptr) == CNNC_ERROR_INVALID_ARGUMENT);
    cnnc_operand_info weights;
    REQUIRE(api.get_operand_info(0, 1, &weights) == CNNC_OK); // a conv's weights
    CHECK(weights.is_constant == 1);
    std::vector<float> buffer(static_cast<size_t>(weights.num_elements));
    CHECK(api.set_operand(instance, 0, 1, buffer.data(), weights.num_elements) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()).find("is a constant") != std::string::npos);
    CHECK(api.get_operand(instance, 0, 1, buffer.data(), weights.num_elements) == CNNC_OK);
    CHECK(api.get_operand(instance, 0, 1, buffer.data(), weights.num_elements - 1) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()).find("elements") != std::string::npos);
    CHECK(api.get_operand(instance, 0, info.num_operands, buffer.data(), 1) == CNNC_ERROR_INVALID_ARGUMENT);
    api.destroy(instance);
}

TEST_CASE("bench --per-layer --json: every kernel, per-layer times add up to about the whole") {
    const Outcome o = shell(fmt::format("CNNC_CACHE_DIR={} {} bench {} --runs 15 --warmup 3 --per-layer --json",
                                        testing::shell_quote(testing::scratch_dir() + "/cache"), CNNC_BINARY,
                                        testing::shell_quote(resnet18_library())));
    INFO(o.output);
    REQUIRE(o.status == 0);
    const double median = json_number(o.output, "median"), sum = json_number(o.output, "kernel_sum_ms");
    CHECK(median > 0);
    CHECK(json_number(o.output, "min") <= median);
    CHECK(json_number(o.output, "max") >= median);
    CHECK(json_number(o.output, "peak_gflops") > 1);
    // On a loaded machine a whole run (longer) is preempted more often than any one kernel, so
    // its median drifts up while the kernel medians do not; its minimum still bounds from below.
    CHECK(sum > 0.5 * json_number(o.output, "min"));
    CHECK(sum < 1.5 * median);
    runtime::Library lib(resnet18_library());
    const Model model(lib.api());
    const std::regex median_key("\"median_ms\""), share_key("\"share\": ([0-9.]+)");
    const auto entries =
        std::distance(std::sregex_iterator(o.output.begin(), o.output.end(), median_key), std::sregex_iterator());
    CHECK(entries == static_cast<long>(model.kernels().size()));
    // Sorted by share, largest first.
    double previous = 2;
    for (auto it = std::sregex_iterator(o.output.begin(), o.output.end(), share_key);
         it != std::sregex_iterator(); ++it) {
        const double share = std::stod((*it)[1]);
        CHECK(share <= previous);
        previous = share;
    }
}

TEST_CASE("bench prints latency and a per-kernel table, and draws it as SVG") {
    const std::string svg = testing::scratch_dir() + "/bench.svg";
    std::filesystem::remove(svg);
    const Outcome o = shell(fmt::format("CNNC_CACHE_DIR={} {} bench {} --runs 5 --warmup 1 --threads 1 --top 5 --svg {}",
                                        testing::shell_quote(testing::scratch_dir() + "/cache"), CNNC_BINARY,
                                        testing::shell_quote(resnet18_library()), testing::shell_quote(svg)));
    INFO(o.output);
    REQUIRE(o.status == 0);
    CHECK(std::regex_search(o.output, std::regex(R"(latency: median [0-9.]+ ms, min [0-9.]+ ms, max [0-9.]+ ms; throughput [0-9.]+ inferences/s)")));
    CHECK(o.output.find("1 threads") != std::string::npos);
    CHECK(o.output.find("% peak") != std::string::npos);
    CHECK(o.output.find("more kernels") != std::string::npos);
    CHECK(std::regex_search(o.output, std::regex(R"(sum of the \d+ kernel medians: [0-9.]+ ms = [0-9.]+% of the whole-model median)")));
    const std::string chart = read_file(svg);
    CHECK(chart.rfind("<svg", 0) == 0);
    CHECK(chart.find("</svg>") != std::string::npos);
}

TEST_CASE("bench: a missing library is an error naming it") {
    const Outcome o = shell(fmt::format("{} bench /nonexistent/libnothing.so", CNNC_BINARY));
    CHECK(o.status == 1);
    CHECK(o.output.find("/nonexistent/libnothing.so: no such library") != std::string::npos);
}

TEST_CASE("cnnc-run fma-peak measures a positive peak") {
    const std::string runner = std::filesystem::path(CNNC_BINARY).parent_path().string() + "/cnnc-run";
    const Outcome o = shell(runner + " fma-peak --threads 1");
    INFO(o.output);
    REQUIRE(o.status == 0);
    std::smatch m;
    REQUIRE(std::regex_search(o.output, m, std::regex(R"(([0-9.]+) GFLOP/s \(1 threads, (avx512f|avx2\+fma|sse2)\))")));
    CHECK(std::stod(m[1]) > 1);
}
