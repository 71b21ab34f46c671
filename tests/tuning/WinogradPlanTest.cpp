// Planning a Winograd conv: the template picks F(2,3) below 28x28 outputs and F(4,3) from 28x28 up;
// a tuning record's "wino":4 picks F(4,3)
// (its own kernel name and 6x6 weight transforms), and survives the database's JSON line; a
// record without the knob (the blocked conv's space) leaves the template's choice. The packed
// weights are G g G^T of the conv's filters.
#include "codegen/KernelBuilder.h"
#include "codegen/KernelSignature.h"
#include "codegen/TuningDatabase.h"
#include "codegen/WeightPacking.h"
#include "codegen/WinogradConvKernel.h"
#include "codegen/WinogradTransforms.h"
#include "ir/Npy.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

using namespace cnnc;

namespace {

struct OneConv {
    ir::Graph g;
    ir::OpId conv = -1;
};

OneConv winograd_conv(int size = 12) {
    OneConv c;
    c.g = ir::parse("graph @wino\n"
                    "%x = input() : f32[1,32," + std::to_string(size) + "," + std::to_string(size) + "]\n"
                    "%w = constant() {init=he_normal, seed=5} : f32[32,32,3,3]\n"
                    "%c = conv2d(%x, %w) {kernel=[3,3], pad=[1,1,1,1], algorithm=winograd}\n"
                    "return %c\n",
                    "wino.cnn");
    ir::infer_shapes(c.g);
    for (ir::OpId id = 0; id < static_cast<ir::OpId>(c.g.ops().size()); ++id)
        if (c.g.op(id).kind == ir::OpKind::conv2d) c.conv = id;
    REQUIRE(c.conv >= 0);
    return c;
}

} // namespace

TEST_CASE("winograd plan: F(2,3) by default, F(4,3) from a tuning record") {
    const OneConv c = winograd_conv();
    const codegen::TargetInfo host = codegen::host_target();
    const codegen::KernelPlan f2 = codegen::plan_kernel(c.g, c.conv, 0, host);
    CHECK(f2.algorithm == "conv-winograd");
    CHECK(f2.schedule.winograd_tile == 2);
    CHECK(f2.inputs[1].packing == codegen::Packing::winograd_weights);
    CHECK(f2.inputs[1].shape.extents[2] == 16);

    codegen::Schedule forced = f2.schedule;
    forced.winograd_tile = 4;
    forced.pixel_tile = 3; // 12 / 4 tiles per row
    const codegen::KernelPlan f4 = codegen::plan_kernel(c.g, c.conv, 0, host, &forced);
    CHECK(f4.schedule.winograd_tile == 4);
    CHECK(f4.inputs[1].shape.extents[2] == 36);
    CHECK(f4.function_name != f2.function_name);

    // A blocked-conv schedule (no tile size) is not a Winograd schedule: the template's stays.
    codegen::Schedule blocked = f2.schedule;
    blocked.winograd_tile = 0;
    CHECK(codegen::plan_kernel(c.g, c.conv, 0, host, &blocked).function_name == f2.function_name);

    codegen::TuningRecord r;
    r.workload = codegen::workload_key(c.g, c.conv, 0, host);
    r.schedule = forced;
    r.valid = true;
    const std::string line = codegen::to_json_line(r);
    CHECK(line.find("\"wino\":4") != std::string::npos);
    const auto back = codegen::parse_record(line);
    REQUIRE(back.has_value());
    CHECK(back->schedule.winograd_tile == 4);
    r.schedule = blocked;
    CHECK(codegen::to_json_line(r).find("\"wino\"") == std::string::npos);
}

TEST_CASE("winograd plan: the template's tile is F(4,3) from 28x28 outputs up, F(2,3) below") {
    const codegen::TargetInfo host = codegen::host_target();
    for (const auto &[size, tile] : {std::pair{27, 2}, std::pair{28, 4}, std::pair{56, 4}}) {
        const OneConv c = winograd_conv(size);
        const codegen::KernelPlan plan = codegen::plan_kernel(c.g, c.conv, 0, host);
        CAPTURE(size);
        CHECK(plan.algorithm == "conv-winograd");
        CHECK(plan.schedule.winograd_tile == tile);
        CHECK(plan.inputs[1].shape.extents[2] == (tile + 2) * (tile + 2));
        // The tuner measures the template first.
        const codegen::ConvShape shape = codegen::conv_shape_of(c.g.op(c.conv).attr<ir::Conv2DAttrs>(), plan);
        CHECK(codegen::winograd_candidates(shape, host).front().to_string() == plan.schedule.to_string());
    }
}

TEST_CASE("winograd tuning space: the template first, both tile sizes, every candidate plannable") {
    const OneConv c = winograd_conv();
    const codegen::TargetInfo host = codegen::host_target();
    const codegen::KernelPlan plan = codegen::plan_kernel(c.g, c.conv, 0, host);
    const codegen::ConvShape shape = codegen::conv_shape_of(c.g.op(c.conv).attr<ir::Conv2DAttrs>(), plan);
    const std::vector<codegen::Schedule> space = codegen::winograd_candidates(shape, host);
    REQUIRE(space.size() > 10);
    CHECK(space.front().to_string() == plan.schedule.to_string());
    std::set<std::string> seen;
    int f4 = 0;
    for (const codegen::Schedule &s : space) {
        CHECK(seen.insert(s.to_string()).second);
        CHECK(codegen::winograd_schedule_feasible(shape, s));
        f4 += s.winograd_tile == 4;
        // A candidate the tuner measures is the kernel compile --db builds from its record.
        CHECK(codegen::plan_kernel(c.g, c.conv, 0, host, &s).schedule.to_string() == s.to_string());
    }
    CHECK(f4 > 0);
}

TEST_CASE("winograd packing: each filter's G g G^T, output channels per block") {
    const OneConv c = winograd_conv();
    const codegen::KernelPlan plan = codegen::plan_kernel(c.g, c.conv, 0, codegen::host_target());
    const codegen::KernelOperand &w = plan.inputs[1];
    const std::vector<float> packed = codegen::pack_operand(c.g, w);
    const std::vector<float> &raw = c.g.constant_data(w.value)->values();
    const codegen::WinogradMatrices &m = codegen::winograd_matrices(2);
    const int64_t lanes = w.shape.extents[0], in = w.shape.extents[1], points = w.shape.extents[2];
    double worst = 0;
    for (int64_t o : {0, 1, 17, 31})
        for (int64_t k : {0, 5, 31}) {
            double g[9];
            for (int i = 0; i < 9; ++i) g[i] = raw[static_cast<size_t>((o * in + k) * 9 + i)];
            const std::vector<double> u = codegen::winograd_filter_transform(m, g);
            // U[0][0] is g[0][0] itself (G's first row is [1, 0, 0]).
            CHECK(u[0] == doctest::Approx(g[0]));
            for (int64_t e = 0; e < points; ++e) {
                const float got = packed[static_cast<size_t>((((o / lanes) * points + e) * in + k) * lanes + o % lanes)];
                worst = std::max(worst, std::fabs(got - u[static_cast<size_t>(e)]));
            }
        }
    CHECK(worst < 1e-6);
}

TEST_CASE("winograd: an F(4,3) kernel chosen by a tuning record matches the reference") {
    // Edge tiles (10 = 2 x 4 + 2), a bias and a relu; the record is written for this workload's
    // key, the library compiled with --db and run by `cnnc run`, the reference by `cnnc eval`.
    const std::string model_text = "graph @wino4\n"
                                   "%x = input() : f32[1,32,10,10]\n"
                                   "%c = conv2d(%x) {out=32, kernel=[3,3], pad=[1,1,1,1], bias=true, "
                                   "activation=relu, algorithm=winograd}\n"
                                   "return %c\n";
    ir::Graph g = ir::parse(model_text, "wino4.cnn");
    ir::infer_shapes(g);
    ir::OpId conv = -1;
    for (ir::OpId id = 0; id < static_cast<ir::OpId>(g.ops().size()); ++id)
        if (g.op(id).kind == ir::OpKind::conv2d) conv = id;
    REQUIRE(conv >= 0);
    const codegen::TargetInfo host = codegen::host_target();
    codegen::TuningRecord r;
    r.workload = codegen::workload_key(g, conv, 0, host);
    r.schedule = codegen::plan_kernel(g, conv, 0, host).schedule;
    r.schedule.winograd_tile = 4;
    r.schedule.pixel_tile = 3;
    r.schedule.row_tile = 1;
    r.valid = true;
    // In the temporary folder, not the working directory (a run from the source tree left it there).
    const std::string dir = (std::filesystem::temp_directory_path() / "cnnc-winograd-f4").string();
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/wino4.cnn") << model_text;
    std::ofstream(dir + "/db.jsonl") << codegen::to_json_line(r) << "\n";
    ir::Tensor x({ir::DType::f32, {1, 32, 10, 10}});
    for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = std::sin(0.37f * static_cast<float>(i));
    ir::write_npy(dir + "/x.npy", x);
    const std::string cnnc = std::string("CNNC_CACHE_DIR=") + dir + "/cache " + CNNC_BINARY;
    const std::string commands =
        cnnc + " compile " + dir + "/wino4.cnn -O0 -q --db " + dir + "/db.jsonl -o " + dir + "/libwino4.so && " +
        cnnc + " run " + dir + "/libwino4.so --input " + dir + "/x.npy -o " + dir + "/y.npy && " + cnnc + " eval " +
        dir + "/wino4.cnn --input " + dir + "/x.npy -o " + dir + "/want.npy";
    REQUIRE(std::system(commands.c_str()) == 0);
    const ir::Tensor y = ir::read_npy(dir + "/y.npy"), want = ir::read_npy(dir + "/want.npy");
    REQUIRE(y.data.size() == want.data.size());
    double worst = 0, scale = 1e-12;
    for (size_t i = 0; i < y.data.size(); ++i) {
        scale = std::max(scale, std::fabs(static_cast<double>(want.data[i])));
        worst = std::max(worst, std::fabs(static_cast<double>(y.data[i]) - want.data[i]));
    }
    // F(4,3) rounds worse than F(2,3) (about 1e-5 on ResNet-sized layers), still within 1e-4.
    CHECK(worst / scale < 1e-4);
    // The record applied: the kernel cache holds the F(4,3) kernel's object.
    const std::string f4_name = codegen::plan_kernel(g, conv, 0, host, &r.schedule).function_name;
    bool found = false;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(dir + "/cache"))
        found = found || entry.path().filename().string().find(f4_name) != std::string::npos;
    CHECK_MESSAGE(found, f4_name);
}
