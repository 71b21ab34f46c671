// Branch concurrency in code generation's plan (codegen/BranchConcurrency.h), without compiling a
// kernel: which regions become concurrent stages, and that the memory plan never lets two
// kernels of different branches of one stage touch the same arena bytes while one of them
// writes. concurrent_overlaps() is the independent checker; the last case shows it catches the
// overlaps a plan made for sequential execution has. (Compiled libraries with concurrency against
// the reference: tests/codegen/BranchConcurrencyTest.cpp.)
#include "codegen/BranchConcurrency.h"
#include "codegen/ExecutorGenerator.h"
#include "codegen/KernelBuilder.h"
#include "frontend/ModelLoader.h"
#include "passes/PassManager.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

using namespace cnnc;

namespace {

ir::Graph optimised(const std::string &model) {
    return passes::run_pipeline(frontend::load_model(model), passes::default_pipeline());
}

codegen::ModelPlan plan_with(const ir::Graph &g, codegen::BranchConcurrencyMode mode) {
    codegen::BranchConcurrencyOptions options;
    options.mode = mode;
    return codegen::plan_model(g, codegen::host_target(), nullptr, options);
}

// Stages partition their kernel range into branches, each in execution order, and no kernel of
// one branch reads what a kernel of another branch of the stage writes.
void check_stage_shape(const ir::Graph &g, const codegen::ModelPlan &plan) {
    int32_t previous_end = 0;
    for (size_t s = 0; s < plan.concurrent.size(); ++s) {
        const codegen::ConcurrentKernels &stage = plan.concurrent[s];
        if (stage.parent < 0) {
            CHECK(stage.begin >= previous_end); // top-level stages in order, apart
            previous_end = stage.end;
        } else {
            // A nested stage lies inside one branch of an earlier stage.
            REQUIRE(stage.parent < static_cast<int32_t>(s));
            const auto &around = plan.concurrent[static_cast<size_t>(stage.parent)].branches;
            REQUIRE(stage.parent_branch >= 0);
            REQUIRE(stage.parent_branch < static_cast<int32_t>(around.size()));
            const auto &branch = around[static_cast<size_t>(stage.parent_branch)];
            for (int32_t k = stage.begin; k < stage.end; ++k)
                CHECK(std::find(branch.begin(), branch.end(), k) != branch.end());
        }
        CHECK(stage.branches.size() >= 2);
        std::set<int32_t> seen;
        for (const auto &branch : stage.branches) {
            CHECK(std::is_sorted(branch.begin(), branch.end()));
            seen.insert(branch.begin(), branch.end());
        }
        CHECK(static_cast<int32_t>(seen.size()) == stage.end - stage.begin);
        CHECK(*seen.begin() == stage.begin);
        CHECK(*seen.rbegin() == stage.end - 1);
        for (size_t b = 0; b < stage.branches.size(); ++b)
            for (size_t c = 0; c < stage.branches.size(); ++c)
                for (int32_t writer : stage.branches[b])
                    for (int32_t reader : stage.branches[c]) {
                        if (b == c) continue;
                        for (const codegen::KernelOperand &in : plan.kernels[static_cast<size_t>(reader)].inputs)
                            CHECK_MESSAGE(in.value != plan.kernels[static_cast<size_t>(writer)].output.value,
                                          g.value(in.value).name);
                    }
    }
}

} // namespace

TEST_SUITE("branch-concurrency") {

TEST_CASE("branch concurrency on: zoo plans never overlap concurrently live values") {
    // Models with fork/join regions (Inception modules, projection shortcuts, ShuffleNet units),
    // and DenseNet, whose copy-free concats put every feature map of a block in one buffer.
    struct Expect {
        std::string model;
        bool has_stages;
    };
    for (const Expect &e : {Expect{"zoo:googlenet", true}, Expect{"zoo:inception_v3", true},
                            Expect{"zoo:resnet50", true}, Expect{"zoo:shufflenet_v2_x1_0", true},
                            Expect{"zoo:densenet121", false}}) {
        CAPTURE(e.model);
        const ir::Graph g = optimised(e.model);
        const codegen::ModelPlan on = plan_with(g, codegen::BranchConcurrencyMode::on);
        const codegen::ModelPlan off = plan_with(g, codegen::BranchConcurrencyMode::off);
        CHECK(off.concurrent.empty());
        CHECK(on.concurrent.empty() == !e.has_stages);
    // The default (off) is what every compile without the flag gets.
    CHECK(codegen::plan_model(g, codegen::host_target()).concurrent.empty());
        const auto overlaps = codegen::concurrent_overlaps(g, on.memory, on.kernels, on.concurrent);
        CHECK_MESSAGE(overlaps.empty(), (overlaps.empty() ? "" : overlaps.front()));
        check_stage_shape(g, on);
        // Same kernels in the same order: concurrency changes when they run, not what they are.
        REQUIRE(on.kernels.size() == off.kernels.size());
        for (size_t k = 0; k < on.kernels.size(); ++k) CHECK(on.kernels[k].op == off.kernels[k].op);
        CHECK(on.arena_bytes >= off.arena_bytes);
        size_t branches = 0;
        for (const auto &stage : on.concurrent) branches += stage.branches.size();
        MESSAGE(fmt::format("{}: {} concurrent stages, {} branches; arena {:.2f} MB on vs {:.2f} MB off", e.model,
                            on.concurrent.size(), branches, on.arena_bytes / 1e6, off.arena_bytes / 1e6));
    }
}

TEST_CASE("branch concurrency: GoogLeNet's nine inception modules, auto takes only the small ones") {
    // After merge-sibling-1x1 a module is two regions: {max pool, pool 1x1} beside {the merged
    // 1x1 (then an in-place split), and nested in its branch {3x3} beside {3x3}}.
    const ir::Graph g = optimised("zoo:googlenet");
    const codegen::ModelPlan on = plan_with(g, codegen::BranchConcurrencyMode::on);
    CHECK(on.concurrent.size() == 18);
    int nested = 0;
    // Inception 5b's 384-channel 1x1 is not merged with the reducers: a third branch there.
    size_t branches = 0;
    for (const auto &stage : on.concurrent) {
        branches += stage.branches.size();
        if (stage.parent < 0) continue;
        ++nested;
        const auto &outer = on.concurrent[static_cast<size_t>(stage.parent)];
        CHECK(outer.parent < 0);
        CHECK(on.kernels[static_cast<size_t>(outer.branches[static_cast<size_t>(stage.parent_branch)].front())]
                  .algorithm == "conv-gemm-1x1"); // the merged 1x1 runs before its nested 3x3s
    }
    CHECK(nested == 9);
    CHECK(branches == 18 * 2 + 1);
    codegen::BranchConcurrencyOptions automatic; // 14x14 and smaller: inception 4a-4e, 5a, 5b
    automatic.mode = codegen::BranchConcurrencyMode::automatic;
    const codegen::ModelPlan picked = codegen::plan_model(g, codegen::host_target(), nullptr, automatic);
    CHECK(picked.concurrent.size() == 14);
    CHECK(codegen::concurrent_overlaps(g, picked.memory, picked.kernels, picked.concurrent).empty());
    automatic.auto_max_pixels = 7 * 7;
    CHECK(codegen::plan_model(g, codegen::host_target(), nullptr, automatic).concurrent.size() == 4);
}

TEST_CASE("branch concurrency: the executor runs stages through Halide's thread pool only when on") {
    const ir::Graph g = optimised("zoo:googlenet?input=64");
    const std::string on = codegen::generate_executor(g, plan_with(g, codegen::BranchConcurrencyMode::on));
    const std::string off = codegen::generate_executor(g, plan_with(g, codegen::BranchConcurrencyMode::off));
    CHECK(on.find("halide_do_par_for(") != std::string::npos);
    CHECK(off.find("halide_do_par_for(") == std::string::npos);
}

TEST_CASE("branch concurrency: the checker finds the overlaps of a plan made for one-at-a-time execution") {
    // Without stretched lifetimes a branch's intermediate reuses the bytes of another branch's
    // dead one, which is right in sequence and a race when the branches run at once.
    const ir::Graph g = optimised("zoo:googlenet");
    const codegen::ModelPlan on = plan_with(g, codegen::BranchConcurrencyMode::on);
    const codegen::ModelPlan off = plan_with(g, codegen::BranchConcurrencyMode::off);
    const auto overlaps = codegen::concurrent_overlaps(g, off.memory, off.kernels, on.concurrent);
    CHECK(!overlaps.empty());
    MESSAGE(fmt::format("{} overlaps, e.g. {}", overlaps.size(), overlaps.empty() ? "-" : overlaps.front()));
}

TEST_CASE("branch concurrency: a bad mode is a user error naming the flag") {
    CHECK_THROWS_WITH(codegen::parse_branch_concurrency("sometimes"),
                      doctest::Contains("--branch-concurrency: expected off, on or auto, got 'sometimes'"));
}

} // TEST_SUITE
