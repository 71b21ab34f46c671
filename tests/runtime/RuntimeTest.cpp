// The C ABI of a compiled library, used as a user would: independent instances on several threads,
// every misuse answered with an error code and a message (never a crash), the C++ wrapper, and the
// runner's .npy checks. The library is tests/ir/data/basic_block.cnn compiled by `cnnc compile`.
#include "ir/Npy.h"
#include "tests/codegen/CompiledModel.h"

#include <cstring>
#include <thread>

#include <unistd.h>

using namespace cnnc;

namespace {

const std::string &basic_block_library() {
    static const std::string library = [] {
        const std::string path = testing::scratch_dir() + "/libbasic_block_rt.so";
        std::string log;
        const int status = testing::cnnc_compile(CNNC_TEST_DATA_DIR "/ir/data/basic_block.cnn", path, "", &log);
        REQUIRE_MESSAGE(status == 0, log);
        return path;
    }();
    return library;
}

std::string run_command(const std::string &command, int *status) {
    // Per process: ctest runs this file's test cases as separate processes, possibly at once.
    const std::string out = fmt::format("{}/command.{}.out", testing::scratch_dir(), ::getpid());
    const int raw = std::system((command + " > " + out + " 2>&1").c_str());
    *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(out);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string runner = std::filesystem::path(CNNC_BINARY).parent_path().string() + "/cnnc-run";

} // namespace

namespace {

// 4 threads x 50 runs, one instance each: every output matches the reference.
void check_instances_on_threads() {
    runtime::Library lib(basic_block_library());
    const Model model(lib.api());
    const ir::Graph g = frontend::load_model(CNNC_TEST_DATA_DIR "/ir/data/basic_block.cnn");
    constexpr int threads = 4, runs = 50;
    std::vector<ir::Tensor> inputs;
    std::vector<std::vector<float>> want;
    for (int t = 0; t < threads; ++t) {
        inputs.push_back(testing::random_tensor(g.type(g.inputs()[0]), 100 + t));
        want.push_back(reference::run(g, {inputs.back()})[0].data);
    }
    std::vector<int> good(threads, 0);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            Instance instance(model);
            for (int r = 0; r < runs; ++r) {
                const auto got = instance.run({inputs[t].data});
                if (testing::relative_error(got[0], want[t]) <= 1e-4) ++good[t];
            }
        });
    for (auto &th : pool) th.join();
    for (int t = 0; t < threads; ++t) CHECK(good[t] == runs);
}

} // namespace

// On the default spinning pool (runtime/SpinningThreadPool.h) the parallel loops of one instance
// at a time run on its workers, the others' meanwhile on Halide's pool.
TEST_CASE("4 threads x 50 runs, one instance each, all match the reference") { check_instances_on_threads(); }

// CNNC_THREAD_POOL=halide: every loop on Halide's pool (ctest runs each case in its own process,
// so the setting stays in this one).
TEST_CASE("Halide's thread pool: 4 threads x 50 runs, all match the reference") {
    ::setenv("CNNC_THREAD_POOL", "halide", 1);
    check_instances_on_threads();
}

TEST_CASE("the C ABI reports misuse with an error code and a message") {
    runtime::Library lib(basic_block_library());
    const Api &api = lib.api();
    int32_t count = 0;
    REQUIRE(api.num_inputs(&count) == CNNC_OK);
    CHECK(count == 1);
    cnnc_tensor_info info;
    REQUIRE(api.input_info(0, &info) == CNNC_OK);
    CHECK(std::string(info.name) == "x");
    CHECK(info.rank == 4);
    CHECK(info.num_elements == 16 * 16 * 16);

    CHECK(api.input_info(1, &info) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()).find("index 1 is out of range (the model has 1)") != std::string::npos);
    CHECK(api.num_outputs(nullptr) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(api.create(nullptr) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(api.destroy(nullptr) == CNNC_OK);

    cnnc_instance *instance = nullptr;
    REQUIRE(api.create(&instance) == CNNC_OK);
    std::vector<float> x(4096, 0.5f), y(4096);
    const float *in[] = {x.data()};
    float *out[] = {y.data()};
    int64_t in_size[] = {4095}, out_size[] = {4096};
    CHECK(api.run(instance, in, in_size, out, out_size) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()) ==
          "cnnc_run: input 0 (x) expects f32[1,16,16,16] = 4096 floats, the buffer has 4095");
    in_size[0] = 4096;
    out_size[0] = 4097;
    CHECK(api.run(instance, in, in_size, out, out_size) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()).find("output 0 (y) expects f32[1,16,16,16]") != std::string::npos);
    out_size[0] = 4096;
    const float *null_in[] = {nullptr};
    CHECK(api.run(instance, null_in, in_size, out, out_size) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(api.last_error()) == "cnnc_run: input 0 (x) is null");
    CHECK(api.run(nullptr, in, in_size, out, out_size) == CNNC_ERROR_INVALID_ARGUMENT);
    CHECK(api.run(instance, in, in_size, nullptr, out_size) == CNNC_ERROR_INVALID_ARGUMENT);
    // After all that, a correct call still works.
    CHECK(api.run(instance, in, in_size, out, out_size) == CNNC_OK);
    CHECK(api.destroy(instance) == CNNC_OK);
}

TEST_CASE("the C++ wrapper throws cnnc::Error with the library's message") {
    runtime::Library lib(basic_block_library());
    const Model model(lib.api());
    CHECK(model.inputs().at(0).dims == std::vector<int64_t>{1, 16, 16, 16});
    Instance instance(model);
    CHECK_THROWS_WITH_AS(instance.run({std::vector<float>(10)}),
                         "cnnc_run: input 0 (x) expects f32[1,16,16,16] = 4096 floats, the buffer has 10",
                         cnnc::Error);
    CHECK_THROWS_AS(instance.run({}), cnnc::Error);
    CHECK_THROWS_WITH_AS(runtime::Library("/nonexistent/libnothing.so"), doctest::Contains("cannot load"),
                         cnnc::Error);
}

TEST_CASE("cnnc-run names the expected shape of a bad .npy") {
    const std::string bad = testing::scratch_dir() + "/bad_shape.npy";
    ir::write_npy(bad, ir::Tensor({ir::DType::f32, {1, 16, 16, 15}}));
    int status = 0;
    const std::string out = run_command(runner + " " + basic_block_library() + " --input " + bad + " --print", &status);
    CHECK(status == 1);
    CHECK(out.find("input %x expects f32[1,16,16,16], the file holds f32[1,16,16,15]") != std::string::npos);
}

TEST_CASE("cnnc run executes a library and a model through cnnc-run") {
    const std::string x = testing::scratch_dir() + "/bb_x.npy", y = testing::scratch_dir() + "/bb_y.npy";
    const std::string model = CNNC_TEST_DATA_DIR "/ir/data/basic_block.cnn";
    const ir::Graph g = frontend::load_model(model);
    const ir::Tensor input = testing::random_tensor(g.type(g.inputs()[0]), 7);
    ir::write_npy(x, input);
    const auto want = reference::run(g, {input})[0].data;
    int status = 0;
    std::string out = run_command(std::string(CNNC_BINARY) + " run " + basic_block_library() + " --input x=" + x + " -o " + y, &status);
    REQUIRE_MESSAGE(status == 0, out);
    CHECK(testing::relative_error(ir::read_npy(y).data, want) <= 1e-4);
    std::filesystem::remove(y);
    out = run_command("CNNC_CACHE_DIR=" + testing::scratch_dir() + "/cache " + CNNC_BINARY + " run " + model +
                          " --input " + x + " -o " + y,
                      &status);
    REQUIRE_MESSAGE(status == 0, out);
    CHECK(testing::relative_error(ir::read_npy(y).data, want) <= 1e-4);
}

TEST_CASE("neither a model library nor cnnc-run loads Halide or LLVM") {
    for (const std::string &binary : {basic_block_library(), runner}) {
        int status = 0;
        const std::string out = run_command("ldd " + binary, &status);
        INFO(binary, ":\n", out);
        CHECK(status == 0);
        CHECK(out.find("Halide") == std::string::npos);
        CHECK(out.find("LLVM") == std::string::npos);
    }
}
