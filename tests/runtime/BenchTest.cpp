// Kernels one at a time through the C ABI, and `cnnc bench`: the per-kernel entry points describe
// and run the same computation cnnc_run does (kernel by kernel reproduces the whole model's
// output), a profiled run computes what cnnc_run computes and times each of its steps, misuse is
// an error code with a message, and `cnnc bench --per-layer` reports every kernel once plus the
// boundary layouts, with shares that add up and steps that add up to the runs they were read in;
// a JSON form, an SVG chart, and a measured FMA peak cached per probe version.
#include "ir/FileIO.h"
#include "tests/codegen/CompiledModel.h"

#include <chrono>
#include <regex>
#include <sstream>

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

TEST_CASE("cnnc_run_profiled computes what cnnc_run does and times every step of the run") {
    runtime::Library lib(resnet18_library());
    const Model model(lib.api());
    const Api &api = model.api();
    REQUIRE(static_cast<bool>(api.run_profiled));
    const ir::Graph g = frontend::load_model("zoo:resnet18?input=32&classes=10");
    const ir::Tensor x = testing::random_tensor(g.type(g.inputs()[0]), 11);
    Instance instance(model);
    const std::vector<float> plain = instance.run({x.data})[0];
    std::vector<float> profiled(plain.size(), -1.0f);
    const float *in[] = {x.data.data()};
    float *out[] = {profiled.data()};
    const int64_t in_size[] = {static_cast<int64_t>(x.data.size())}, out_size[] = {static_cast<int64_t>(profiled.size())};
    const int32_t kernels = static_cast<int32_t>(model.kernels().size());
    std::vector<double> phases(static_cast<size_t>(kernels) + 2, -1.0);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(api.run_profiled(instance.get(), in, in_size, out, out_size, phases.data(), kernels + 2) == CNNC_OK);
    const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    CHECK(testing::relative_error(profiled, plain) == 0);
    double sum = 0;
    for (double ms : phases) {
        CHECK(ms >= 0);
        sum += ms;
    }
    CHECK(sum <= wall_ms); // the steps lie inside the call
    // Misuse: a phase buffer of the wrong length, a GPU-only restriction aside.
    CHECK(api.run_profiled(instance.get(), in, in_size, out, out_size, phases.data(), kernels) ==
          CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()).find(fmt::format("phase_ms must hold num_kernels + 2 = {} times, got {}",
                                                         kernels + 2, kernels)) != std::string::npos);
    CHECK(api.run_profiled(instance.get(), in, in_size, out, out_size, nullptr, kernels + 2) ==
          CNNC_ERROR_INVALID_ARGUMENT);
}

TEST_CASE("bench --per-layer --json: every kernel once, both boundary layouts, shares add up to 100%") {
    const Outcome o = shell(fmt::format("CNNC_CACHE_DIR={} {} bench {} --runs 9 --warmup 2 --per-layer --json",
                                        testing::shell_quote(testing::scratch_dir() + "/cache"), CNNC_BINARY,
                                        testing::shell_quote(resnet18_library())));
    INFO(o.output);
    REQUIRE(o.status == 0);
    const double median = json_number(o.output, "median");
    CHECK(median > 0);
    CHECK(json_number(o.output, "min") <= median);
    CHECK(json_number(o.output, "max") >= median);
    CHECK(json_number(o.output, "peak_gflops") > 1);
    CHECK(json_number(o.output, "clock_read_ns") > 0);
    CHECK(json_number(o.output, "preemptions_per_run") >= 0);
    runtime::Library lib(resnet18_library());
    const Model model(lib.api());
    const std::regex step(R"re(\{"kind": "(kernel|boundary)", (?:"index": (\d+), )?"name": "([^"]*)".*"typical_ms": ([0-9.]+), "best_ms": [0-9.]+, "share": ([0-9.]+)\})re");
    std::vector<int> seen(model.kernels().size(), 0);
    std::vector<std::string> boundaries;
    double share_sum = 0, previous = 2, step_sum = 0;
    for (auto it = std::sregex_iterator(o.output.begin(), o.output.end(), step); it != std::sregex_iterator(); ++it) {
        const std::smatch &m = *it;
        if (m[1] == "kernel") {
            const size_t index = std::stoul(m[2]);
            REQUIRE(index < seen.size());
            ++seen[index];
            CHECK(m[3] == model.kernels()[index].name);
        } else {
            boundaries.push_back(m[3]);
        }
        const double share = std::stod(m[5]);
        CHECK(share <= previous); // sorted by share, largest first
        previous = share;
        share_sum += share;
        step_sum += std::stod(m[4]);
    }
    for (size_t k = 0; k < seen.size(); ++k) CHECK_MESSAGE(seen[k] == 1, "kernel ", k, " appears ", seen[k], " times");
    // No kernel beats the measured peak (10% for the probe's own noise): a probe timed by the
    // wall clock on a loaded machine once put kernels at 217% of it.
    const std::regex peak_percent(R"("peak_percent": ([0-9.]+))");
    for (auto it = std::sregex_iterator(o.output.begin(), o.output.end(), peak_percent); it != std::sregex_iterator(); ++it)
        CHECK(std::stod((*it)[1]) <= 110);
    std::sort(boundaries.begin(), boundaries.end());
    CHECK(boundaries == std::vector<std::string>{"input layout (NCHW to internal)", "output layout (internal to NCHW)"});
    CHECK(share_sum == doctest::Approx(1.0).epsilon(0.005));
    CHECK(step_sum == doctest::Approx(json_number(o.output, "step_sum_ms")).epsilon(0.001));
    // The rows are means over the middle half of the profiled runs, so they add up to a run within
    // those runs' spread around their median; 30% absorbs a machine loaded by other builds.
    CHECK(step_sum == doctest::Approx(json_number(o.output, "profiled_run_median_ms")).epsilon(0.3));
}

TEST_CASE("bench --per-layer: the steps add up to the runs they were read in (a consistency check, not speed)") {
    // The runner's own report holds every run, so this compares within one run and holds under
    // load: whatever preempts the run lands in one of its steps. What falls outside the steps is
    // only cnnc_run's argument checks and two calls, microseconds, unless a preemption hits just
    // there; so every run is checked from above and the median run from below (2% + 20 us).
    const std::string runner = std::filesystem::path(CNNC_BINARY).parent_path().string() + "/cnnc-run";
    const std::string report = fmt::format("{}/bench-report.{}.txt", testing::scratch_dir(), ::getpid());
    const Outcome o = shell(fmt::format("{} bench {} --report {} --runs 15 --warmup 2 --per-layer", runner,
                                        testing::shell_quote(resnet18_library()), testing::shell_quote(report)));
    INFO(o.output);
    REQUIRE(o.status == 0);
    std::vector<double> runs, profiled, sums;
    std::istringstream lines(read_file(report));
    int boundary_lines = 0, kernel_lines = 0;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream in(line.substr(0, line.find('\t')));
        std::string key, skip;
        in >> key;
        std::vector<double> *target = nullptr;
        if (key == "run_ms") target = &runs;
        else if (key == "profiled_run_ms") target = &profiled;
        if (target) {
            for (double ms; in >> ms;) target->push_back(ms);
            continue;
        }
        if (key == "boundary") in >> skip, ++boundary_lines;
        else if (key == "kernel") in >> skip >> skip >> skip >> skip, ++kernel_lines;
        else continue;
        std::vector<double> ms;
        for (double v; in >> v;) ms.push_back(v);
        REQUIRE(ms.size() == 15);
        sums.resize(15, 0);
        for (size_t r = 0; r < 15; ++r) sums[r] += ms[r];
    }
    REQUIRE(runs.size() == 15);
    REQUIRE(profiled.size() == 15);
    CHECK(boundary_lines == 2);
    CHECK(kernel_lines > 10);
    std::vector<double> uncovered;
    for (size_t r = 0; r < 15; ++r) {
        CHECK(sums[r] <= profiled[r]);
        uncovered.push_back(profiled[r] - sums[r] - 0.02 * profiled[r]);
    }
    std::nth_element(uncovered.begin(), uncovered.begin() + 7, uncovered.end());
    CHECK(uncovered[7] <= 0.02);
    // A profiled run is a plain run plus clock reads (tens of ns each), so their fastest times
    // agree: the fastest runs are where the load weighs least, and 30% absorbs what is left on a
    // machine loaded by other builds, while a profiled run doing more or less work than cnnc_run
    // (a skipped conversion, a kernel run twice) would show.
    const double fastest_run = *std::min_element(runs.begin(), runs.end());
    const double fastest_profiled = *std::min_element(profiled.begin(), profiled.end());
    CHECK(fastest_profiled == doctest::Approx(fastest_run).epsilon(0.3));
}

TEST_CASE("cnnc-run bench caches the FMA peak per probe version, ISA and thread count") {
    const std::string runner = std::filesystem::path(CNNC_BINARY).parent_path().string() + "/cnnc-run";
    const std::string folder = fmt::format("{}/peak-cache.{}", testing::scratch_dir(), ::getpid());
    std::filesystem::remove_all(folder);
    const std::string report = folder + "/report.txt";
    const std::string command = fmt::format("{} bench {} --report {} --runs 1 --warmup 0 --threads 1 --per-layer "
                                            "--peak-cache-dir {}",
                                            runner, testing::shell_quote(resnet18_library()),
                                            testing::shell_quote(report), testing::shell_quote(folder));
    auto peak_line = [&] {
        std::istringstream lines(read_file(report));
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("peak_gflops ", 0) == 0) return line;
        return std::string();
    };
    REQUIRE(shell(command).status == 0);
    const std::string measured = peak_line();
    CHECK(measured.find("cached") == std::string::npos);
    std::vector<std::string> files;
    for (const auto &entry : std::filesystem::directory_iterator(folder))
        if (entry.path().filename().string().rfind("fma-peak-", 0) == 0) files.push_back(entry.path().filename().string());
    REQUIRE(files.size() == 1);
    std::smatch m;
    REQUIRE(std::regex_match(files[0], m, std::regex(R"(fma-peak-v(\d+)-(avx512f|avx2\+fma|sse2)-1t\.txt)")));
    const std::string cache = folder + "/" + files[0];
    // The second run reads the figure back.
    REQUIRE(shell(command).status == 0);
    CHECK(peak_line().find("cached") != std::string::npos);
    // A figure written under the same name by another probe version is measured again, not read.
    const std::string content = read_file(cache);
    write_file_atomically(cache, std::regex_replace(content, std::regex("^v\\d+"), "v0"));
    REQUIRE(shell(command).status == 0);
    CHECK(peak_line().find("cached") == std::string::npos);
    CHECK(read_file(cache) != std::regex_replace(content, std::regex("^v\\d+"), "v0"));
    std::filesystem::remove_all(folder);
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
    CHECK(std::regex_search(o.output, std::regex(R"(load: other processes took a core from this one \d+ times per run)")));
    CHECK(o.output.find("% peak") != std::string::npos);
    CHECK(o.output.find("more kernels") != std::string::npos);
    CHECK(std::regex_search(o.output, std::regex(R"(sum of the \d+ steps \(\d+ kernels, 2 layouts\): [0-9.]+ ms = [0-9.]+% of the whole-model median)")));
    // The boundary layouts have rows of their own even when --top leaves most kernels out.
    CHECK(o.output.find("input layout (NCHW to internal)") != std::string::npos);
    CHECK(o.output.find("output layout (internal to NCHW)") != std::string::npos);
    CHECK(std::regex_search(o.output, std::regex(R"(residual [-+][0-9.]+ ms = whole-model vs profiled median)")));
    CHECK(std::regex_search(o.output, std::regex(R"(sum of the steps' fastest times: [0-9.]+ ms = [0-9.]+% of the whole-model median)")));
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
