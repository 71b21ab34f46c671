// A Halide autoscheduler is part of every kernel signature and tuning workload key
// (codegen/Autoscheduler.h): objects it scheduled never share a cache entry with cnnc's, and
// tuning records made under one scheduler never apply under another.
#include "codegen/Autoscheduler.h"
#include "codegen/KernelBuilder.h"
#include "codegen/KernelSignature.h"
#include "ir/Error.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"

#include <doctest/doctest.h>

#include <set>

using namespace cnnc;

TEST_SUITE("autoscheduler") {
    TEST_CASE("the scheduler is part of the kernel signature and the workload key") {
        ir::Graph g = ir::parse("graph @one_conv\n"
                                "%x = input() : f32[1,16,8,8]\n"
                                "%w = constant() {init=he_normal, seed=7} : f32[16,16,3,3]\n"
                                "%c = conv2d(%x, %w) {kernel=[3,3], pad=[1,1,1,1]} : f32[1,16,8,8]\n"
                                "return %c\n",
                                "one_conv.cnn");
        ir::infer_shapes(g);
        ir::OpId conv = -1;
        for (ir::OpId id = 0; id < static_cast<ir::OpId>(g.ops().size()); ++id)
            if (g.op(id).kind == ir::OpKind::conv2d) conv = id;
        REQUIRE(conv >= 0);
        const codegen::TargetInfo host = codegen::host_target();
        std::set<std::string> names, keys;
        for (const char *scheduler : {"cnnc", "adams2019", "mullapudi2016", "li2018"}) {
            const codegen::TargetInfo t = codegen::with_scheduler(host, scheduler);
            names.insert(codegen::plan_kernel(g, conv, 0, t).function_name);
            keys.insert(codegen::workload_key(g, conv, 0, t));
        }
        CHECK(names.size() == 4);
        CHECK(keys.size() == 4);
        // "cnnc" is the templates: the same kernel as no scheduler at all.
        CHECK(codegen::plan_kernel(g, conv, 0, codegen::with_scheduler(host, "cnnc")).function_name ==
              codegen::plan_kernel(g, conv, 0, host).function_name);
    }

    TEST_CASE("scheduler names and plugin paths") {
        CHECK(codegen::autoscheduler_plugin_path("li2018") ==
              "/usr/lib/x86_64-linux-gnu/halide14/libautoschedule_li2018.so");
        CHECK_THROWS_WITH_AS(codegen::with_scheduler(codegen::host_target(), "Adams2019"),
                             doctest::Contains("--scheduler Adams2019: unknown scheduler"), CompileError);
        CHECK_NOTHROW(codegen::with_scheduler(codegen::parse_target("host-opencl"), "li2018"));
    }
}
