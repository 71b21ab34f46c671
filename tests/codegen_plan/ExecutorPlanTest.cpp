// Code generation's memory plan (plan_model in codegen/ExecutorGenerator.h) for whole zoo models at
// 224x224, without compiling a kernel: it calls the same planner as the plan-memory pass, so the
// concats it makes copy-free are the ones `cnnc opt --stats` reports, and every kernel of a
// copy-free concat's operand addresses its slice with the concat's strides. (Running such
// libraries against the reference is tests/codegen/MemoryPlanTest.cpp.)
#include "codegen/ExecutorGenerator.h"
#include "codegen/KernelBuilder.h"
#include "frontend/ModelLoader.h"
#include "passes/PassManager.h"
#include "passes/Passes.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace cnnc;

namespace {

struct Figures {
    passes::MemoryPlanSummary pass;
    codegen::ModelPlan codegen;
    int concats = 0;
};

Figures plan(const std::string &model) {
    const ir::Graph g = passes::run_pipeline(frontend::load_model(model), passes::default_pipeline());
    Figures f;
    f.pass = passes::summarize_memory_plan(g);
    f.codegen = codegen::plan_model(g, codegen::host_target());
    for (const ir::Op &op : g.ops()) f.concats += op.kind == ir::OpKind::concat;
    // Every concat the plan keeps runs as one kernel; a copy-free one runs none.
    int concat_kernels = 0;
    for (const codegen::KernelPlan &k : f.codegen.kernels) concat_kernels += k.algorithm == "concat";
    CHECK(concat_kernels == f.codegen.copied_concats);
    CHECK(f.codegen.copy_free_concats + f.codegen.copied_concats == f.concats);
    MESSAGE(fmt::format("{}: pass peak {:.1f} MB vs {:.1f} MB unplanned; library arena {:.1f} MB vs {:.1f} MB "
                        "(with inputs and outputs); concats {} copy-free, {} copied",
                        model, f.pass.arena_bytes / 1e6, f.pass.unplanned_bytes / 1e6, f.codegen.arena_bytes / 1e6,
                        f.codegen.unplanned_bytes / 1e6, f.codegen.copy_free_concats, f.codegen.copied_concats));
    return f;
}

// A strided slice: some operand's strides are not those of a dense buffer of its extents.
int strided_operands(const codegen::ModelPlan &p) {
    int n = 0;
    auto strided = [](const codegen::KernelOperand &o) {
        int64_t dense = 1;
        for (size_t d = 0; d < o.shape.extents.size(); ++d) {
            if (o.shape.extents[d] > 1 && o.shape.strides[d] != dense) return true;
            dense *= o.shape.extents[d];
        }
        return false;
    };
    for (const codegen::KernelPlan &k : p.kernels) {
        n += strided(k.output);
        for (const codegen::KernelOperand &in : k.inputs) n += strided(in);
    }
    return n;
}

} // namespace

TEST_CASE("library memory plan: DenseNet-121 copy-free, at most half the unplanned bytes") {
    const Figures f = plan("zoo:densenet121");
    CHECK(f.concats == 58);
    CHECK(f.codegen.copied_concats == 0);
    CHECK(f.pass.copy_free_concats == 58);
    CHECK(f.pass.copied_concats == 0);
    CHECK(f.pass.arena_bytes * 2 <= f.pass.unplanned_bytes);
    CHECK(f.codegen.arena_bytes * 2 <= f.codegen.unplanned_bytes);
    CHECK(strided_operands(f.codegen) > 0); // the feature maps really are written as slices
}

TEST_CASE("library memory plan: GoogLeNet copy-free, ResNet-50 and MobileNet v2 have no concat") {
    const Figures googlenet = plan("zoo:googlenet");
    CHECK(googlenet.concats == 9);
    CHECK(googlenet.codegen.copied_concats == 0);
    CHECK(googlenet.pass.copy_free_concats == 9);
    for (const char *model : {"zoo:resnet50", "zoo:mobilenet_v2"}) {
        const Figures f = plan(model);
        CHECK(f.concats == 0);
        CHECK(f.codegen.arena_bytes <= f.codegen.unplanned_bytes);
    }
}
