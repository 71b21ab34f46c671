// GPU targets without a GPU. OpenCL: models compiled for host-opencl run on PoCL (OpenCL on this
// CPU) through cnnc-run, a process without libHalide, since PoCL's LLVM 15 and Halide's LLVM 14
// cannot share one (../shared/DESIGN.md); every output must equal the reference interpreter
// within 1e-4 of its largest magnitude, as on the CPU. CUDA: with no driver on the machine, a
// host-cuda library must fail instance creation with a message, never crash. (The PTX of every
// kernel is checked by ptxas in tests/codegen/check_ptx.sh.)
#include "ir/Npy.h"
#include "tests/codegen/CompiledModel.h"

#include <dlfcn.h>

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
    std::string command = cnnc_run_binary() + " " + testing::shell_quote(library);
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
    REQUIRE_MESSAGE(ran, command, "\n", run_output);
    for (size_t i = 0; i < want.size(); ++i) {
        INFO(model, " output %", g.value(g.outputs()[i]).name);
        const ir::Tensor got = ir::read_npy(fmt::format("{}/out{}.npy", dir, i));
        CHECK(got.type.dims == want[i].dims());
        REQUIRE(got.data.size() == want[i].data.size());
        CHECK(testing::relative_error(got.data, want[i].data) <= 1e-4);
    }
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
    // One zoo model here; the rest, MobileNet v2 included, are in the slow suite below: PoCL
    // compiles each distinct kernel with its own LLVM on first use (cached after, under
    // ~/.cache/pocl), which for MobileNet v2 takes over 15 minutes on 2 cores.
    TEST_CASE("opencl: resnet18 at 32x32 on PoCL") {
        check_opencl("zoo:resnet18?input=32&classes=10", "", "resnet18_32");
    }
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
