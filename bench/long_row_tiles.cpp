// long-row-tiles: one 1x1 convolution's blocked product (the loop nest BlockedConvKernels.cpp
// builds for conv-gemm-1x1) under several register tiles, JIT-compiled by Halide and timed in one
// process beside oneDNN's convolution of the same layer, calls interleaved round by round.
//
// It exists to find out what a 1x1 conv's tile costs on this machine without the rest of cnnc:
// the schedule is written out here (not taken from codegen/) so that one thing can be varied at a
// time: the tile (channel vectors x pixels), the reduction unroll, pixel tiles per task, the
// reduction order (s2: two far-apart halves of the channels interleaved every 16, as cnnc does
// for weights over 2 MiB; kcN: an L1-sized chunk of N channels through every tile of the task
// before the next chunk), and where the weights come from (--weight-copies N rotates N copies
// per call, so that weights larger than L2 arrive from L3 as they do inside a model).
//
// With one thread (the default) each figure is the thread's CPU time per call, so that time the
// scheduler gives other processes on a loaded machine does not count; with more, wall time per
// call, the low percentiles being the calls that found every core free.
//
//   long-row-tiles K CO PIXELS [--threads T] [--rounds R] [--no-residual] [--weight-copies N]
//                  TILE...        TILE = CV:PX:RU[:ROWS[:s2|:kcN]]
//
// Every tile's output is checked against a double-precision loop at 1e-4 before timing.
#include "Halide.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

using namespace Halide;

namespace {

struct Layer {
    int in_channels = 0, out_channels = 0, pixels = 0;
    bool residual = true;
    double flops() const { return 2.0 * in_channels * out_channels * pixels; }
};

struct Tile {
    std::string spec;
    int channel_vectors = 0, pixels = 0, unroll = 1, rows = 0; // rows 0: a 16th of the row a task
    int streams = 1;       // s2
    int chunk = 0;         // kcN: channels of an L1-chunked reduction (0: none)
    int lanes() const { return 16 * channel_vectors; }
};

[[noreturn]] void fail(const std::string &message) {
    std::fprintf(stderr, "long-row-tiles: %s\n", message.c_str());
    std::exit(2);
}

Tile parse_tile(const std::string &spec, const Layer &l) {
    Tile t;
    t.spec = spec;
    char flag[32] = "";
    if (std::sscanf(spec.c_str(), "%d:%d:%d:%d:%31s", &t.channel_vectors, &t.pixels, &t.unroll, &t.rows, flag) < 3)
        fail("tile " + spec + ": expected CV:PX:RU[:ROWS[:s2|:kcN]]");
    if (std::strcmp(flag, "s2") == 0) t.streams = 2;
    else if (std::strncmp(flag, "kc", 2) == 0) t.chunk = std::atoi(flag + 2);
    else if (flag[0]) fail("tile " + spec + ": unknown flag " + flag);
    if (t.channel_vectors < 1 || t.pixels < 1 || t.unroll < 1 || l.out_channels % t.lanes() != 0)
        fail("tile " + spec + ": needs CV, PX, RU >= 1 and " + std::to_string(l.out_channels) +
             " output channels in whole blocks of 16 x CV");
    if (t.streams > 1 && l.in_channels % 32 != 0) fail("tile " + spec + ": s2 needs input channels in 32s");
    if (t.chunk && (t.chunk < 1 || l.in_channels % t.chunk != 0)) fail("tile " + spec + ": kcN needs N dividing K");
    if (t.chunk && t.chunk % t.unroll != 0) fail("tile " + spec + ": RU must divide the chunk");
    return t;
}

// The parameters' shapes are constants, as cnnc's kernels declare them (HalideHelpers.cpp):
// with run-time strides the pixels' broadcast addresses need registers of their own.
void constrain(const Layer &l, const Tile &t, ImageParam &in, ImageParam &w, ImageParam &bias, ImageParam &res,
               Func out) {
    const int k = l.in_channels, co = l.out_channels, p = l.pixels, b = t.lanes();
    in.dim(0).set_bounds(0, k).set_stride(1);
    in.dim(1).set_bounds(0, p).set_stride(k);
    w.dim(0).set_bounds(0, b).set_stride(1);
    w.dim(1).set_bounds(0, k).set_stride(b);
    w.dim(2).set_bounds(0, co / b).set_stride(b * k);
    bias.dim(0).set_bounds(0, co);
    res.dim(0).set_bounds(0, co).set_stride(1);
    res.dim(1).set_bounds(0, p).set_stride(co);
    out.output_buffer().dim(0).set_bounds(0, co).set_stride(1);
    out.output_buffer().dim(1).set_bounds(0, p).set_stride(co);
}

// The blocked product of BlockedConvKernels.cpp for one long row, tasks over (pixel chunks,
// channel blocks) as its task order 0.
Func build(const Layer &l, const Tile &t, int threads, ImageParam &in, ImageParam &w, ImageParam &bias,
           ImageParam &res) {
    const int k_total = l.in_channels, b = t.lanes();
    Var c("c"), x("x"), lane("lane"), blk("blk"), kc("kc");
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), xp("xp"), task("task"), xt("xt"), xq("xq");
    Func acc("acc"), part("part"), out("out");
    // Chunked: r is one chunk, rc the chunks. Otherwise r runs innermost over 16 channels (or
    // all), then the streams, then the 16s of a stream.
    const int chunk = t.chunk ? t.chunk : t.streams > 1 ? 16 : k_total, per_stream = k_total / t.streams;
    const RDom r = t.chunk ? RDom(0, chunk, "r") : RDom(0, chunk, 0, t.streams, 0, per_stream / chunk, "r");
    const RDom rc(0, k_total / chunk, "rc");
    acc(lane, blk, x) = bias(blk * b + lane);
    if (t.chunk) {
        const Expr k = kc * chunk + r;
        part(lane, blk, x, kc) = 0.0f;
        part(lane, blk, x, kc) += w(lane, k, blk) * in(k, min(x, l.pixels - 1));
        acc(lane, blk, x) += part(lane, blk, x, rc);
    } else {
        const Expr k = r[1] * per_stream + r[2] * chunk + r[0];
        acc(lane, blk, x) += w(lane, k, blk) * in(k, x);
    }
    const Expr result = acc(c % b, c / b, x);
    out(c, x) = max(l.residual ? result + res(c, x) : result, 0.0f);

    const int tiles = (l.pixels + t.pixels - 1) / t.pixels;
    const int per_task = t.rows > 1 ? std::min(t.rows, tiles) : std::max(1, (tiles + 15) / 16);
    out.split(c, co, ci, b).split(x, xo, xi, t.pixels).split(xo, xp, xo, per_task, TailStrategy::GuardWithIf);
    out.reorder(ci, xi, xo, xp, co);
    LoopLevel task_level(out, xp);
    if (threads > 1) {
        out.fuse(xp, co, task).parallel(task);
        task_level = LoopLevel(out, task);
    }
    out.vectorize(ci, 16).unroll(ci).unroll(xi);
    if (t.chunk) {
        acc.compute_at(task_level).vectorize(lane, 16).unroll(lane);
        acc.update().split(x, xt, xq, t.pixels, TailStrategy::RoundUp).reorder(lane, xq, xt, rc, blk);
        acc.update().vectorize(lane, 16).unroll(lane).unroll(xq);
        part.compute_at(acc, xt).vectorize(lane, 16).unroll(lane).unroll(x);
        part.update().reorder(lane, x, r, blk, kc).vectorize(lane, 16).unroll(lane).unroll(x);
        if (t.unroll > 1) part.update().unroll(r, t.unroll);
    } else {
        acc.compute_at(out, xo).vectorize(lane, 16).unroll(lane).unroll(x);
        acc.update().reorder(lane, x, r[0], r[1], r[2], blk);
        acc.update().vectorize(lane, 16).unroll(lane).unroll(x);
        if (t.unroll > 1 && chunk % t.unroll == 0) acc.update().unroll(r[0], t.unroll);
    }
    constrain(l, t, in, w, bias, res, out);
    return out;
}

double seconds(bool thread_cpu) {
    timespec ts;
    clock_gettime(thread_cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

} // namespace

int main(int argc, char **argv) {
    Layer l;
    int threads = 1, rounds = 7, copies = 1;
    std::vector<std::string> specs;
    std::vector<int> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] {
            if (i + 1 >= argc) fail(a + " needs a value");
            return std::atoi(argv[++i]);
        };
        if (a == "--threads") threads = value();
        else if (a == "--rounds") rounds = value();
        else if (a == "--weight-copies") copies = value();
        else if (a == "--no-residual") l.residual = false;
        else if (positional.size() < 3) positional.push_back(std::atoi(a.c_str()));
        else specs.push_back(a);
    }
    if (positional.size() < 3 || specs.empty() || threads < 1 || rounds < 1 || copies < 1)
        fail("usage: long-row-tiles K CO PIXELS [--threads T] [--rounds R] [--no-residual] [--weight-copies N] "
             "CV:PX:RU[:ROWS[:s2|:kcN]]...");
    l.in_channels = positional[0], l.out_channels = positional[1], l.pixels = positional[2];
    if (l.in_channels < 1 || l.out_channels < 1 || l.pixels < 1) fail("K, CO and PIXELS must be positive");
    omp_set_num_threads(threads);
    if (threads > 1) setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);

    const int k_total = l.in_channels, co_total = l.out_channels, p_total = l.pixels;
    std::vector<float> weights(static_cast<size_t>(k_total) * co_total); // [co][k]
    Buffer<float> input(k_total, p_total), bias(co_total), residual(co_total, p_total), output(co_total, p_total);
    unsigned seed = 1;
    auto next = [&] { return static_cast<float>((seed = seed * 1103515245u + 12345u) >> 16 & 0x7fff) / 32768.0f - 0.5f; };
    for (float &v : weights) v = next();
    input.for_each_value([&](float &v) { v = next(); });
    bias.for_each_value([&](float &v) { v = next(); });
    residual.for_each_value([&](float &v) { v = next(); });

    struct Contestant {
        Tile tile;
        Pipeline pipeline;
        ImageParam w{Float(32), 3, "w"};
        std::vector<Buffer<float>> weights;
    };
    std::vector<Contestant> tiles;
    const Target target = get_host_target().with_feature(Target::NoAsserts).with_feature(Target::NoBoundsQuery);
    for (const std::string &spec : specs) {
        Contestant t;
        t.tile = parse_tile(spec, l);
        ImageParam in(Float(32), 2, "in"), b(Float(32), 1, "bias"), res(Float(32), 2, "res");
        t.pipeline = Pipeline(build(l, t.tile, threads, in, t.w, b, res));
        t.pipeline.compile_jit(target);
        const int lanes = t.tile.lanes();
        Buffer<float> packed(lanes, k_total, co_total / lanes); // [block][k][lane], as Packing::blocked_conv
        packed.for_each_element([&](int lane, int k, int blk) {
            packed(lane, k, blk) = weights[static_cast<size_t>(blk * lanes + lane) * k_total + k];
        });
        for (int i = 0; i < copies; ++i) t.weights.push_back(packed.copy());
        in.set(input), b.set(bias), res.set(residual), t.w.set(t.weights[0]);
        t.pipeline.realize(output);
        double worst = 0;
        for (int p = 0; p < p_total; ++p)
            for (int c = 0; c < co_total; ++c) {
                double want = bias(c);
                for (int k = 0; k < k_total; ++k) want += static_cast<double>(weights[static_cast<size_t>(c) * k_total + k]) * input(k, p);
                if (l.residual) want += residual(c, p);
                want = std::max(want, 0.0);
                worst = std::max(worst, std::fabs(want - output(c, p)) / (1.0 + std::fabs(want)));
            }
        if (!(worst <= 1e-4)) fail("tile " + spec + " differs from the reference loop by " + std::to_string(worst));
        tiles.push_back(std::move(t));
    }

    // oneDNN: the same layer in NCHW terms (1 x K x 1 x P), its own layouts, bias, sum and ReLU
    // post-ops; the data's values do not matter to its time.
    using namespace dnnl;
    using tag = memory::format_tag;
    engine eng(engine::kind::cpu, 0);
    stream strm(eng);
    const memory::desc src_any({1, k_total, 1, p_total}, memory::data_type::f32, tag::any),
        wei_any({co_total, k_total, 1, 1}, memory::data_type::f32, tag::any),
        dst_any({1, co_total, 1, p_total}, memory::data_type::f32, tag::any),
        bias_md({co_total}, memory::data_type::f32, tag::x);
    post_ops ops;
    if (l.residual) ops.append_sum(1.0f);
    ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    primitive_attr attr;
    attr.set_post_ops(ops);
    const convolution_forward::primitive_desc pd(
        convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct, src_any, wei_any,
                                  bias_md, dst_any, {1, 1}, {0, 0}, {0, 0}),
        attr, eng);
    const convolution_forward conv(pd);
    auto zeroed = [&](const memory::desc &d) {
        memory m(d, eng);
        std::memset(m.get_data_handle(), 0, d.get_size());
        return m;
    };
    std::vector<memory> dnnl_weights;
    for (int i = 0; i < copies; ++i) dnnl_weights.push_back(zeroed(pd.weights_desc()));
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, zeroed(pd.src_desc())},
                                            {DNNL_ARG_DST, zeroed(pd.dst_desc())},
                                            {DNNL_ARG_BIAS, zeroed(bias_md)}};

    const size_t contestants = tiles.size() + 1;
    long call = 0;
    auto run = [&](size_t i) {
        ++call;
        if (i == tiles.size()) {
            args[DNNL_ARG_WEIGHTS] = dnnl_weights[call % copies];
            conv.execute(strm, args);
            strm.wait();
        } else {
            tiles[i].w.set(tiles[i].weights[call % copies]);
            tiles[i].pipeline.realize(output);
        }
    };
    auto name = [&](size_t i) { return i == tiles.size() ? std::string(pd.impl_info_str()) : tiles[i].tile.spec; };
    const int calls = std::max(5, static_cast<int>(4e8 / l.flops()));
    for (size_t i = 0; i < contestants; ++i)
        for (int j = 0; j < 3; ++j) run(i);
    std::printf("K %d -> CO %d, %d pixels, %s, %d weight copies, %d thread(s)\n", k_total, co_total, p_total,
                l.residual ? "+residual, relu" : "relu", copies, threads);
    if (threads == 1) {
        // Rounds of `calls` calls per contestant; a round's per-call CPU time.
        std::vector<std::vector<double>> ms(contestants);
        for (int r = 0; r < rounds; ++r)
            for (size_t i = 0; i < contestants; ++i) {
                const double start = seconds(true);
                for (int j = 0; j < calls; ++j) run(i);
                ms[i].push_back((seconds(true) - start) / calls * 1e3);
            }
        std::printf("%d rounds x %d calls; thread CPU ms per call: median, best; ratio to oneDNN: median of rounds\n",
                    rounds, calls);
        for (size_t i = 0; i < contestants; ++i) {
            std::vector<double> sorted = ms[i], ratios;
            std::sort(sorted.begin(), sorted.end());
            for (int r = 0; r < rounds; ++r) ratios.push_back(ms[i][r] / ms.back()[r]);
            std::sort(ratios.begin(), ratios.end());
            std::printf("  %-26s %8.4f %8.4f  %6.1f GFLOP/s  %.3f\n", name(i).c_str(), sorted[sorted.size() / 2], sorted[0],
                        l.flops() / sorted[sorted.size() / 2] / 1e6, ratios[ratios.size() / 2]);
        }
    } else {
        std::vector<std::vector<double>> ms(contestants);
        for (int r = 0; r < rounds * calls; ++r)
            for (size_t i = 0; i < contestants; ++i) {
                const double start = seconds(false);
                run(i);
                ms[i].push_back((seconds(false) - start) * 1e3);
            }
        std::printf("%d calls each, interleaved; wall ms per call: fastest, 10th percentile, median\n", rounds * calls);
        for (size_t i = 0; i < contestants; ++i) {
            std::vector<double> sorted = ms[i];
            std::sort(sorted.begin(), sorted.end());
            std::printf("  %-26s %8.4f %8.4f %8.4f\n", name(i).c_str(), sorted[0], sorted[sorted.size() / 10],
                        sorted[sorted.size() / 2]);
        }
    }
    return 0;
}
