// `cnnc compile --scheduler`: cnnc's kernels scheduled by Halide 14's autoscheduler plugins
// (codegen/Autoscheduler.h) still compute what the reference interpreter computes, and the
// scheduler names and targets a plugin cannot serve are clear errors. Tolerance as ModelTest:
// 1e-4 of each output's largest magnitude.
#include "tests/codegen/CompiledModel.h"

using namespace cnnc;

namespace {
const char *const basic_block = CNNC_TEST_DATA_DIR "/../examples/basic_block.cnn";

// Adams2019's default beam search (32 states, 5 passes) took 447 s on the basic block's three
// kernels on the shared 2-core machine; its greedy mode (HL_BEAM_SIZE=1, part of the kernel
// signature) takes about 4 s and exercises the same plugin, scheduling and codegen path.
struct GreedyAdams {
    GreedyAdams() { setenv("HL_BEAM_SIZE", "1", 1); }
    ~GreedyAdams() { unsetenv("HL_BEAM_SIZE"); }
};
} // namespace

TEST_SUITE("autoscheduler") {
    TEST_CASE("each Halide autoscheduler compiles the basic block, which matches the reference") {
        const GreedyAdams greedy;
        for (const std::string scheduler : {"adams2019", "mullapudi2016", "li2018"}) {
            CAPTURE(scheduler);
            testing::check_compiled_model(basic_block, fmt::format("--scheduler {}", scheduler), 1e-4,
                                          fmt::format("basic_block_{}", scheduler));
        }
    }

    TEST_CASE("an unknown scheduler is an error naming the choices") {
        std::string log;
        const int status = testing::cnnc_compile(basic_block, testing::scratch_dir() + "/libno_scheduler.so",
                                                 "--scheduler adams2020", &log);
        CHECK(status != 0);
        CHECK_MESSAGE(log.find("--scheduler adams2020: unknown scheduler; expected one of cnnc, adams2019, "
                               "mullapudi2016, li2018") != std::string::npos,
                      log);
    }

    TEST_CASE("a CPU-only autoscheduler on a GPU target is an error") {
        std::string log;
        const int status = testing::cnnc_compile(basic_block, testing::scratch_dir() + "/libgpu_adams.so",
                                                 "--target host-opencl --scheduler adams2019", &log);
        CHECK(status != 0);
        CHECK_MESSAGE(log.find("--scheduler adams2019: Halide 14's Adams2019 autoscheduler cannot schedule GPU "
                               "targets (opencl)") != std::string::npos,
                      log);
    }
}

TEST_SUITE("slow") {
    // Known failures, still open: Halide 14's Adams2019 (greedy) miscompiles a 64-channel 3x3
    // conv-direct kernel at 8x8 (max-rel 0.85; `HL_BEAM_SIZE=1 cnnc test-kernels
    // 'zoo:resnet50?input=32&classes=10' --scheduler adams2019` shows it); Adams2019 and Li2018
    // schedule the 10-class gemm of these models (mobilenet_v2 1280->10, resnet18 512->10) so that
    // Halide rejects it ("Atomic predicated store is not supported"; the 1000-class models of
    // bench.py compile). Hence only Mullapudi2016 here.
    TEST_CASE("mullapudi2016 on mobilenet_v2 and resnet18 at 32x32 matches the reference") {
        const std::vector<std::pair<std::string, std::string>> cases = {{"mullapudi2016", "mobilenet_v2"},
                                                                        {"mullapudi2016", "resnet18"}};
        for (const auto &[scheduler, model] : cases) {
            CAPTURE(scheduler);
            CAPTURE(model);
            testing::check_compiled_model(fmt::format("zoo:{}?input=32&classes=10", model),
                                          fmt::format("--scheduler {}", scheduler), 1e-4,
                                          fmt::format("{}_32_{}", model, scheduler));
        }
    }
}
