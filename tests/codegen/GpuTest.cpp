// GPU targets without a GPU. OpenCL: models compiled for host-opencl run on PoCL (OpenCL on this
// CPU) through cnnc-run, a process without libHalide, since PoCL's LLVM 15 and Halide's LLVM 14
// cannot share one (../shared/DESIGN.md); every output must equal the reference interpreter
// within 1e-4 of its largest magnitude, as on the CPU. CUDA: with no driver on the machine, a
// host-cuda library must fail instance creation with a message, never crash. (The PTX of every
// kernel is checked by ptxas in tests/codegen/check_ptx.sh.)
//
// cnnc_run_device is checked in this process: it links no LLVM, so PoCL may load here, and the
// test makes its own cl_mem buffers in the library's OpenCL context. Kernels one at a time
// (cnnc test-kernels, cnnc bench --per-layer) run through cnnc-run as users run them, and an
// OpenCL library without any OpenCL platform (OCL_ICD_VENDORS pointing to an empty folder) must
// fail instance creation with a message.
#include "ir/Npy.h"
#include "tests/codegen/CompiledModel.h"

#include <CL/cl.h>
#include <dlfcn.h>
#include <regex>
#include <set>

using namespace cnnc;

namespace {

std::string cnnc_run_binary() { return (std::filesystem::path(CNNC_BINARY).parent_path() / "cnnc-run").string(); }

// Compiles `model` for host-opencl, runs it with cnnc-run on seeded inputs and compares each
// output with the reference interpreter.
void check_opencl(const std::string &model, const std::string &args, const std::string &name) {
    const std::string dir = testing::scratch_dir() + "/opencl-" + name;
    std::filesystem::create_directories(dir);
    const std::string library = dir + "/lib" + name + ".so";
    std::string log;
    REQUIRE_MESSAGE(testing::cnnc_compile(model, library, args + " --target host-opencl", &log) == 0, log);
    const ir::Graph g = frontend::load_model(model);
    std::vector<ir::Tensor> inputs;
    // A kernel stuck (or hopelessly slow) on PoCL fails the model instead of the whole suite.
    // PoCL allows blocks of 4096 work items; capped at CUDA's 1024, a launch that a GPU would
    // refuse fails here too.
    constexpr int limit_seconds = 900;
    std::string command = fmt::format("POCL_MAX_WORK_GROUP_SIZE=1024 timeout {} {} {}", limit_seconds,
                                      cnnc_run_binary(), testing::shell_quote(library));
    uint32_t seed = 1;
    for (ir::ValueId v : g.inputs()) {
        inputs.push_back(testing::random_tensor(g.type(v), seed++));
        const std::string path = fmt::format("{}/in{}.npy", dir, inputs.size());
        ir::write_npy(path, inputs.back());
        command += fmt::format(" -i {}", testing::shell_quote(path));
    }
    const std::vector<ir::Tensor> want = reference::run(g, inputs);
    for (size_t i = 0; i < g.outputs().size(); ++i)
        command += fmt::format(" -o {}/out{}.npy", dir, i); // in order: -O2 may rename outputs
    const std::string run_log = dir + "/run.log";
    const int status = std::system((command + " > " + run_log + " 2>&1").c_str());
    std::ifstream in(run_log);
    const std::string run_output{std::istreambuf_iterator<char>(in), {}};
    const bool ran = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    const bool timed_out = WIFEXITED(status) && WEXITSTATUS(status) == 124;
    REQUIRE_MESSAGE(ran, command, "\n", run_output,
                    timed_out ? fmt::format("(did not finish in {} s on PoCL)", limit_seconds) : std::string());
    for (size_t i = 0; i < want.size(); ++i) {
        INFO(model, " output %", g.value(g.outputs()[i]).name);
        const ir::Tensor got = ir::read_npy(fmt::format("{}/out{}.npy", dir, i));
        CHECK(got.type.dims == want[i].dims());
        REQUIRE(got.data.size() == want[i].data.size());
        CHECK(testing::relative_error(got.data, want[i].data) <= 1e-4);
    }
}

// The few OpenCL calls the test makes on device buffers, taken from the ICD loader with dlsym so
// the test binary needs no OpenCL at link time (as the libraries, whose Halide runtime does the same).
struct OpenCl {
    void *handle = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
    decltype(&clCreateBuffer) create_buffer = symbol<decltype(&clCreateBuffer)>("clCreateBuffer");
    decltype(&clReleaseMemObject) release = symbol<decltype(&clReleaseMemObject)>("clReleaseMemObject");
    decltype(&clEnqueueWriteBuffer) write = symbol<decltype(&clEnqueueWriteBuffer)>("clEnqueueWriteBuffer");
    decltype(&clEnqueueReadBuffer) read = symbol<decltype(&clEnqueueReadBuffer)>("clEnqueueReadBuffer");
    decltype(&clFinish) finish = symbol<decltype(&clFinish)>("clFinish");

    template <class F> F symbol(const char *name) { return handle ? reinterpret_cast<F>(dlsym(handle, name)) : nullptr; }
    ~OpenCl() {
        if (handle) dlclose(handle);
    }
};

// A device buffer of `n` floats, released at scope exit.
struct DeviceBuffer {
    const OpenCl &cl;
    cl_mem mem = nullptr;
    DeviceBuffer(const OpenCl &cl, cl_context context, size_t n) : cl(cl) {
        cl_int error = CL_SUCCESS;
        mem = cl.create_buffer(context, CL_MEM_READ_WRITE, n * sizeof(float), nullptr, &error);
        REQUIRE_MESSAGE(error == CL_SUCCESS, "clCreateBuffer: ", error);
    }
    ~DeviceBuffer() {
        if (mem) cl.release(mem);
    }
    uint64_t handle() const { return reinterpret_cast<uint64_t>(mem); }
};

// Runs a shell command; its exit status (-1 if it did not exit) and both output streams.
std::pair<int, std::string> shell(const std::string &command, const std::string &log) {
    const int raw = std::system((command + " > " + testing::shell_quote(log) + " 2>&1").c_str());
    std::ifstream in(log);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, std::string(std::istreambuf_iterator<char>(in), {})};
}

std::string file_name(std::string model) {
    std::replace_if(model.begin(), model.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
    return model;
}

} // namespace

TEST_SUITE("opencl") {
    TEST_CASE("opencl: every op kind on PoCL (-O0 and -O2)") {
        check_opencl(CNNC_TEST_DATA_DIR "/codegen/data/all_ops.cnn", "-O0", "all_ops_O0");
        check_opencl(CNNC_TEST_DATA_DIR "/codegen/data/all_ops.cnn", "-O2", "all_ops_O2");
    }
    // Two zoo models here, the rest in the slow suite below: PoCL compiles each distinct kernel
    // with its own LLVM on first use (cached after, under ~/.cache/pocl), a few seconds per model
    // for these two (MobileNet v2 at 64 px: 14 s cold).
    TEST_CASE("opencl: resnet18 at 32x32 on PoCL") {
        check_opencl("zoo:resnet18?input=32&classes=10", "", "resnet18_32");
    }
    TEST_CASE("opencl: mobilenet_v2 at 64x64 on PoCL") { check_opencl("zoo:mobilenet_v2?input=64", "", "mobilenet_v2_64"); }

    // Two runs chained on device buffers (run 2 reads run 1's output buffer): no host copy between
    // them, and each result equals the host API's and the reference's. The net keeps its shape so
    // it can be chained, and has two kernels at -O0 so data also crosses the arena between kernels.
    TEST_CASE("opencl: cnnc_run_device chains runs on device buffers") {
        const std::string dir = testing::scratch_dir() + "/opencl-run-device";
        std::filesystem::create_directories(dir);
        const std::string net = dir + "/same_shape.cnn", library = dir + "/libsame_shape.so";
        std::ofstream(net) << "graph @same_shape\n%x = input() : f32[1,6,7,5]\n"
                              "%c = conv2d(%x) {out=6, kernel=[3,3], pad=[1,1,1,1]}\n%y = sigmoid(%c)\nreturn %y\n";
        std::string log;
        REQUIRE_MESSAGE(testing::cnnc_compile(net, library, "-O0 --target host-opencl", &log) == 0, log);
        const ir::Graph g = frontend::load_model(net);
        const ir::Tensor x = testing::random_tensor(g.type(g.inputs()[0]), 7);
        const ir::Tensor y1 = reference::run(g, {x})[0];
        const ir::Tensor y2 = reference::run(g, {y1})[0];
        const size_t n = x.data.size();

        runtime::Library lib(library);
        void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_NOLOAD);
        REQUIRE(handle);
        auto device_api = reinterpret_cast<int32_t (*)()>(dlsym(handle, "cnnc_device_api"));
        auto device_context = reinterpret_cast<int (*)(uint64_t *, uint64_t *)>(dlsym(handle, "cnnc_device_context"));
        auto run_device = reinterpret_cast<int (*)(cnnc_instance *, const uint64_t *, const uint64_t *)>(
            dlsym(handle, "cnnc_run_device"));
        REQUIRE((device_api && device_context && run_device));
        CHECK(device_api() == CNNC_DEVICE_OPENCL);
        const Model m(lib.api());
        Instance instance(m);
        const std::vector<float> host_y1 = instance.run({x.data})[0];

        uint64_t context = 0, queue = 0;
        REQUIRE_MESSAGE(device_context(&context, &queue) == CNNC_OK, lib.api().last_error());
        REQUIRE((context != 0 && queue != 0));
        OpenCl cl;
        REQUIRE_MESSAGE((cl.create_buffer && cl.release && cl.write && cl.read && cl.finish), "libOpenCL.so.1: ", dlerror());
        auto *cl_queue = reinterpret_cast<cl_command_queue>(queue);
        DeviceBuffer in(cl, reinterpret_cast<cl_context>(context), n), middle(cl, reinterpret_cast<cl_context>(context), n),
            out(cl, reinterpret_cast<cl_context>(context), n);
        REQUIRE(cl.write(cl_queue, in.mem, CL_TRUE, 0, n * sizeof(float), x.data.data(), 0, nullptr, nullptr) == CL_SUCCESS);
        const uint64_t run1_in[] = {in.handle()}, run1_out[] = {middle.handle()};
        const uint64_t run2_in[] = {middle.handle()}, run2_out[] = {out.handle()};
        REQUIRE_MESSAGE(run_device(instance.get(), run1_in, run1_out) == CNNC_OK, lib.api().last_error());
        REQUIRE_MESSAGE(run_device(instance.get(), run2_in, run2_out) == CNNC_OK, lib.api().last_error());
        std::vector<float> got1(n), got2(n);
        REQUIRE(cl.read(cl_queue, middle.mem, CL_TRUE, 0, n * sizeof(float), got1.data(), 0, nullptr, nullptr) == CL_SUCCESS);
        REQUIRE(cl.read(cl_queue, out.mem, CL_TRUE, 0, n * sizeof(float), got2.data(), 0, nullptr, nullptr) == CL_SUCCESS);
        CHECK(got1 == host_y1); // the same kernels on the same data: bit for bit
        CHECK(testing::relative_error(got1, y1.data) <= 1e-4);
        CHECK(testing::relative_error(got2, y2.data) <= 1e-4);
        // Misuse is an error code and a message, not a crash.
        CHECK(run_device(nullptr, run1_in, run1_out) == CNNC_ERROR_INVALID_ARGUMENT);
        CHECK(run_device(instance.get(), run1_in, nullptr) == CNNC_ERROR_INVALID_ARGUMENT);
        CHECK(std::string(lib.api().last_error()).find("cnnc_run_device") != std::string::npos);
    }

    // cnnc_set_operand / cnnc_run_kernel / cnnc_get_operand on device operands, through the two
    // commands that use them: every kernel of every op kind passes against the reference, and
    // the per-layer benchmark times every kernel.
    TEST_CASE("opencl: test-kernels and bench --per-layer on PoCL") {
        const std::string cache = testing::shell_quote(testing::scratch_dir() + "/cache");
        const std::string dir = testing::scratch_dir() + "/opencl-per-kernel";
        std::filesystem::create_directories(dir);
        {
            const auto [status, output] =
                shell(fmt::format("{} test-kernels {} --target host-opencl -q --cache-dir {}", CNNC_BINARY,
                                  CNNC_TEST_DATA_DIR "/codegen/data/all_ops.cnn", cache),
                      dir + "/test-kernels.log");
            INFO(output);
            CHECK(status == 0);
            std::smatch counts;
            REQUIRE(std::regex_search(output, counts, std::regex(R"((\d+) passed, (\d+) failed)")));
            CHECK(std::stoi(counts[1]) >= 40); // one per distinct kernel of all_ops at -O2
            CHECK(counts[2] == "0");
            CHECK(output.find("-opencl") != std::string::npos); // the target line: it did run on OpenCL
        }

        const auto [bench_status, bench] =
            shell(fmt::format("{} bench {} --target host-opencl --per-layer --runs 3 --warmup 1 --cache-dir {}",
                              CNNC_BINARY, CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", cache),
                  dir + "/bench.log");
        INFO(bench);
        CHECK(bench_status == 0);
        // One row per kernel with its time: the fused conv + relu.
        CHECK(std::regex_search(bench, std::regex(R"(\n\s+0\s+%y\s+conv-direct\s+[0-9.]+)")));
        CHECK(std::regex_search(bench, std::regex(R"(sum of the \d+ steps \(1 kernels)")));
    }

    TEST_CASE("opencl: without an OpenCL platform, instance creation fails with a message") {
        const std::string dir = testing::scratch_dir() + "/opencl-no-platform";
        std::filesystem::create_directories(dir + "/no-vendors");
        const std::string library = dir + "/libconv_relu.so";
        std::string log;
        REQUIRE_MESSAGE(testing::cnnc_compile(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", library,
                                              "--target host-opencl", &log) == 0,
                        log);
        const ir::Graph g = frontend::load_model(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn");
        ir::write_npy(dir + "/x.npy", testing::random_tensor(g.type(g.inputs()[0]), 1));
        // The ICD loader finds no vendor, so no platform: a clear error and status 1 from the runner.
        const std::string env = "OCL_ICD_VENDORS=" + testing::shell_quote(dir + "/no-vendors");
        const auto [status, output] =
            shell(fmt::format("{} {} {} -i {}/x.npy --print", env, cnnc_run_binary(), library, dir), dir + "/run.log");
        CHECK(status == 1);
        CHECK(output.find("cnnc_create: allocating the device arena on OpenCL failed") != std::string::npos);
        CHECK(output.find("is the OpenCL driver installed") != std::string::npos);
        CHECK(output.find("OCL_ICD_VENDORS") != std::string::npos);
        // And the kernel checker reports it the same way, without a crash.
        const auto [kernels_status, kernels] =
            shell(fmt::format("{} {} test-kernels {} --target host-opencl -q --cache-dir {}", env, CNNC_BINARY,
                              CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn",
                              testing::shell_quote(testing::scratch_dir() + "/cache")),
                  dir + "/test-kernels.log");
        CHECK(kernels_status == 1);
        CHECK(kernels.find("cnnc_create: allocating the device arena on OpenCL failed") != std::string::npos);
    }
}

// `cnnc tune --target host-opencl`: trials are measured by cnnc-run on PoCL (the compiler
// process never loads an OpenCL driver). Every record is keyed by the OpenCL target and carries
// the GPU template's knobs; a record compile --db applies changes the kernel (its symbol names
// the schedule) and the library still matches the reference.
TEST_CASE("opencl: cnnc tune on PoCL, records keyed by target, applied by compile --db") {
    const std::string dir = testing::scratch_dir() + "/opencl-tune";
    std::filesystem::create_directories(dir);
    const std::string db = dir + "/tune.jsonl", net = CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn";
    std::filesystem::remove(db);
    const std::string cache = testing::shell_quote(testing::scratch_dir() + "/cache");
    const auto [status, log] = shell(fmt::format("CNNC_CACHE_DIR={} {} tune {} --target host-opencl --db {} --budget 40s "
                                                 "--runs 3 -q",
                                                 cache, CNNC_BINARY, net, testing::shell_quote(db)),
                                     dir + "/tune.log");
    REQUIRE_MESSAGE(status == 0, log);
    std::ifstream in(db);
    std::vector<std::string> records;
    for (std::string line; std::getline(in, line);) records.push_back(line);
    // The default, then at least one candidate (the budget leaves room for a cold first trial on a
    // loaded machine: a trial is a Halide compile, a link and PoCL's own compile of the kernel).
    REQUIRE_MESSAGE(records.size() >= 2, log);
    std::set<std::string> schedules;
    std::string other;
    for (const std::string &r : records) {
        INFO(r);
        CHECK(r.find("-opencl") != std::string::npos);   // the workload key names the target
        CHECK(r.find("\"gpu_tc\":") != std::string::npos); // and the schedule its GPU knobs
        CHECK(r.find("\"valid\":true") != std::string::npos);
        // The in-model confirmation's copies of trials (tune's last phase) repeat their schedules.
        if (r.find("\"in_model_ms\":") != std::string::npos) continue;
        const size_t from = r.find("\"schedule\":"), to = r.find('}', from);
        CHECK(schedules.insert(r.substr(from, to - from)).second); // no schedule measured twice
        if (&r != &records.front()) other = r;
    }
    // A database holding only a non-default record: compile --db must build that schedule.
    const std::string one = dir + "/one.jsonl";
    std::ofstream(one) << other << "\n";
    const std::string tuned = dir + "/libtuned.so", plain = dir + "/libplain.so";
    std::string compile_log;
    REQUIRE_MESSAGE(testing::cnnc_compile(net, plain, "--target host-opencl", &compile_log) == 0, compile_log);
    REQUIRE_MESSAGE(testing::cnnc_compile(net, tuned, "--target host-opencl --db " + testing::shell_quote(one),
                                          &compile_log) == 0,
                    compile_log);
    std::string plain_kernel, tuned_kernel;
    {
        runtime::Library lib(plain);
        plain_kernel = Model(lib.api()).kernels().at(0).function;
    }
    {
        runtime::Library lib(tuned);
        tuned_kernel = Model(lib.api()).kernels().at(0).function;
    }
    CHECK(plain_kernel != tuned_kernel);
    check_opencl(net, "--db " + testing::shell_quote(one), "conv_relu_tuned");
}

TEST_CASE("cuda: without a CUDA driver, instance creation fails with a message") {
    if (void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
        dlclose(driver);
        MESSAGE("a CUDA driver is installed: nothing to check here");
        return;
    }
    const std::string library = testing::scratch_dir() + "/libconv_relu_cuda.so";
    std::string log;
    REQUIRE_MESSAGE(testing::cnnc_compile(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", library,
                                          "--target host-cuda --cuda-capability 80", &log) == 0,
                    log);
    runtime::Library lib(library);
    cnnc_instance *instance = nullptr;
    CHECK(lib.api().create(&instance) == CNNC_ERROR_DEVICE);
    CHECK(instance == nullptr);
    const std::string message = lib.api().last_error();
    CHECK(message.find("cnnc_create") != std::string::npos);
    CHECK(message.find("CUDA") != std::string::npos);
    CHECK(message.find("cuda system libraries") != std::string::npos);
    // And through the runner: an error message and status 1, not a crash.
    const std::string command = cnnc_run_binary() + " " + library + " --print > " + library + ".run.log 2>&1";
    const int status = std::system(command.c_str());
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 1));
}

TEST_CASE("targets: bad GPU target options are user errors") {
    std::string log;
    const std::string library = testing::scratch_dir() + "/libbad_target.so";
    CHECK(testing::cnnc_compile(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", library, "--target host-cuda-opencl", &log) == 1);
    CHECK(log.find("choose one GPU API") != std::string::npos);
    CHECK(testing::cnnc_compile(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", library, "--target host-opencl --cuda-capability 80", &log) == 1);
    CHECK(log.find("needs a CUDA target") != std::string::npos);
    CHECK(testing::cnnc_compile(CNNC_TEST_DATA_DIR "/codegen/data/conv_relu.cnn", library, "--target host-cuda-bogus", &log) == 1);
    CHECK(log.find("not a Halide target string") != std::string::npos);
}

// All 38 models pass in 32 min on 2 cores with PoCL's cache cold (load 4-6 from other builds).
// Before 77e2032 the conv template synchronised the block after every multiply-add, and PoCL's
// compiler (LLVM 15 loop analysis under clBuildProgram) took over 20 minutes on MobileNet v2 alone.
TEST_SUITE("slow") {
    TEST_CASE("opencl: every zoo model at reduced size on PoCL") {
        // The smallest inputs each architecture takes (its downsampling and fixed windows).
        for (const char *m :
             {"alexnet?input=64", "alexnet_lrn?input=67", "zfnet?input=64", "vgg11?input=32", "vgg13?input=32",
              "vgg16?input=32", "vgg19?input=32", "googlenet?input=64", "inception_v3?input=75", "resnet18?input=32",
              "resnet34?input=32", "resnet50?input=64", "resnet101?input=32", "resnet152?input=32", "resnet50_a?input=32",
              "resnet50_b?input=32", "resnet50_c?input=32", "resnet50_d?input=32", "resnext50_32x4d?input=64",
              "resnext101_32x8d?input=32", "densenet121?input=64", "densenet161?input=32", "densenet169?input=32",
              "densenet201?input=32", "mobilenet_v1?input=64", "mobilenet_v2?input=64", "shufflenet_v2_x0_5?input=64",
              "shufflenet_v2_x1_0?input=64", "shufflenet_v2_x1_5?input=64", "shufflenet_v2_x2_0?input=64",
              "squeezenet1_1?input=64", "dilated_cifar", "kernel_cifar", "strided_cifar", "cascade3x3",
              "dilated_resnet18?input=32", "allconv6", "crelu_net"}) {
            const std::string model = std::string("zoo:") + m;
            SUBCASE(m) { check_opencl(model, "", file_name(m)); }
        }
    }
}
