// onednn-layers: oneDNN's time for each convolution of a list, the peer that `bench.py
// --per-layer-onednn` sets beside cnnc's per-kernel times (`cnnc bench --per-layer --json`).
//
// Each layer is one convolution_forward primitive for inference in f32, created once with
// format_tag::any on the activations and weights (oneDNN picks its own NHWC or blocked layout,
// as it would inside a framework), with the layer's bias, and its ReLU/clip and residual add as
// post-ops (eltwise, sum) where the layer has them. Inputs are reordered into the chosen layouts
// once, outside the timing; the timed call is the primitive alone, `warmup` untimed calls first,
// then `runs` calls timed one by one; the median is printed. With --cold, a 64 MiB buffer is
// written before each timed call (outside the timing), so weights and activations come from
// memory, as cnnc's kernels find them inside a model run (`cnnc bench --per-layer --cold` does
// the same for cnnc). Threads: OpenMP (Debian's oneDNN is built with it), set with --threads.
//
// Input, one layer a line ('#' starts a comment):
//   NAME N IC IH IW OC KH KW SH SW PT PL PB PR DH DW GROUPS BIAS ACT RESIDUAL
// with BIAS and RESIDUAL 0 or 1, ACT none, relu or clip:LO:HI, dilation 1 for none.
// Output, one line a layer: NAME  MEDIAN_MS  GFLOPS  IMPL  [CHECK_REL_ERROR]
// --check also runs each layer on seeded inputs and compares oneDNN's output with a plain loop
// nest here (an independent reference) at 1e-4 relative to the output's largest magnitude; a
// layer past it makes the exit status 1.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Layer {
    std::string name;
    long n = 1, ic = 0, ih = 0, iw = 0, oc = 0, kh = 1, kw = 1, sh = 1, sw = 1;
    long pt = 0, pl = 0, pb = 0, pr = 0, dh = 1, dw = 1, groups = 1;
    bool bias = false, residual = false;
    std::string act = "none";
    float lo = 0, hi = 0; // clip bounds
    long oh() const { return (ih + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
    long ow() const { return (iw + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
    double flops() const { return 2.0 * n * oc * oh() * ow() * (ic / groups) * kh * kw; }
};

[[noreturn]] void fail(const std::string &message) {
    std::fprintf(stderr, "onednn-layers: %s\n", message.c_str());
    std::exit(2);
}

std::vector<Layer> read_layers(const std::string &path) {
    std::ifstream in(path);
    if (!in) fail(path + ": cannot read");
    std::vector<Layer> layers;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        Layer l;
        int bias = 0, residual = 0;
        if (!(fields >> l.name)) continue;
        if (!(fields >> l.n >> l.ic >> l.ih >> l.iw >> l.oc >> l.kh >> l.kw >> l.sh >> l.sw >> l.pt >> l.pl >> l.pb >>
              l.pr >> l.dh >> l.dw >> l.groups >> bias >> l.act >> residual))
            fail(path + ":" + std::to_string(number) +
                 ": expected NAME N IC IH IW OC KH KW SH SW PT PL PB PR DH DW GROUPS BIAS ACT RESIDUAL");
        l.bias = bias, l.residual = residual;
        if (l.act.rfind("clip:", 0) == 0) {
            if (std::sscanf(l.act.c_str(), "clip:%f:%f", &l.lo, &l.hi) != 2)
                fail(path + ":" + std::to_string(number) + ": expected clip:LO:HI, found " + l.act);
            l.act = "clip";
        } else if (l.act != "none" && l.act != "relu") {
            fail(path + ":" + std::to_string(number) + ": activation none, relu or clip:LO:HI, found " + l.act);
        }
        if (l.groups < 1 || l.ic % l.groups || l.oc % l.groups || l.oh() < 1 || l.ow() < 1)
            fail(path + ":" + std::to_string(number) + ": inconsistent shape for " + l.name);
        layers.push_back(l);
    }
    return layers;
}

std::vector<float> seeded(size_t count, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1, 1);
    std::vector<float> v(count);
    for (float &x : v) x = dist(rng);
    return v;
}

// The plain loop nest (NCHW, OIHW with groups) the check compares oneDNN with.
std::vector<float> reference_conv(const Layer &l, const std::vector<float> &x, const std::vector<float> &w,
                                  const std::vector<float> &b, const std::vector<float> &res) {
    const long oh = l.oh(), ow = l.ow(), icg = l.ic / l.groups, ocg = l.oc / l.groups;
    std::vector<float> y(static_cast<size_t>(l.n * l.oc * oh * ow));
    for (long n = 0; n < l.n; ++n)
        for (long o = 0; o < l.oc; ++o)
            for (long yy = 0; yy < oh; ++yy)
                for (long xx = 0; xx < ow; ++xx) {
                    double acc = l.bias ? b[o] : 0;
                    const long g = o / ocg;
                    for (long c = 0; c < icg; ++c)
                        for (long ky = 0; ky < l.kh; ++ky)
                            for (long kx = 0; kx < l.kw; ++kx) {
                                const long iy = yy * l.sh + ky * l.dh - l.pt, ix = xx * l.sw + kx * l.dw - l.pl;
                                if (iy < 0 || iy >= l.ih || ix < 0 || ix >= l.iw) continue;
                                acc += static_cast<double>(w[((o * icg + c) * l.kh + ky) * l.kw + kx]) *
                                       x[((n * l.ic + g * icg + c) * l.ih + iy) * l.iw + ix];
                            }
                    const size_t at = static_cast<size_t>(((n * l.oc + o) * oh + yy) * ow + xx);
                    float v = static_cast<float>(acc);
                    if (l.residual) v += res[at];
                    if (l.act == "relu") v = std::max(v, 0.0f);
                    if (l.act == "clip") v = std::min(std::max(v, l.lo), l.hi);
                    y[at] = v;
                }
    return y;
}

struct Result {
    double median_ms = 0;
    std::string impl;
    double check_error = -1; // relative; -1 when not checked
};

// Evicts the caches: writes a buffer larger than the last-level cache, read back so the writes
// stay. On all OpenMP threads: each core's own L1/L2 must be flushed too, and a worker left
// spinning beside a flushing main thread was preempted into the next call (5 ms per layer).
volatile char flush_sink;

void flush_caches() {
    static std::vector<char> buffer(64 << 20);
    const int64_t lines = static_cast<int64_t>(buffer.size() / 64);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < lines; ++i) buffer[i * 64] = static_cast<char>(buffer[i * 64] + 1);
    flush_sink = buffer[buffer.size() / 2];
}

Result run_layer(const Layer &l, dnnl::engine &eng, dnnl::stream &strm, int runs, int warmup, bool check, bool cold) {
    using namespace dnnl;
    using tag = memory::format_tag;
    using dt = memory::data_type;
    const memory::dims src_dims = {l.n, l.ic, l.ih, l.iw}, dst_dims = {l.n, l.oc, l.oh(), l.ow()};
    const memory::dims wei_dims = l.groups == 1 ? memory::dims{l.oc, l.ic, l.kh, l.kw}
                                                : memory::dims{l.groups, l.oc / l.groups, l.ic / l.groups, l.kh, l.kw};
    const tag wei_plain = l.groups == 1 ? tag::oihw : tag::goihw;
    const memory::desc src_any(src_dims, dt::f32, tag::any), wei_any(wei_dims, dt::f32, tag::any),
        dst_any(dst_dims, dt::f32, tag::any), bias_md({l.oc}, dt::f32, tag::x);
    post_ops ops;
    // The residual is added to the conv's result before the activation, as cnnc's epilogue does.
    if (l.residual) ops.append_sum(1.0f);
    if (l.act == "relu") ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    if (l.act == "clip") ops.append_eltwise(1.0f, algorithm::eltwise_clip, l.lo, l.hi);
    primitive_attr attr;
    attr.set_post_ops(ops);
    const memory::dims strides = {l.sh, l.sw}, dilates = {l.dh - 1, l.dw - 1}, pad_l = {l.pt, l.pl},
                       pad_r = {l.pb, l.pr};
    const auto desc = l.bias ? convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                                         src_any, wei_any, bias_md, dst_any, strides, dilates, pad_l, pad_r)
                             : convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                                         src_any, wei_any, dst_any, strides, dilates, pad_l, pad_r);
    const convolution_forward::primitive_desc pd(desc, attr, eng);
    const convolution_forward conv(pd);

    // Seeded plain inputs, reordered once into the layouts oneDNN chose.
    const size_t src_count = static_cast<size_t>(l.n * l.ic * l.ih * l.iw);
    const size_t dst_count = static_cast<size_t>(l.n * l.oc * l.oh() * l.ow());
    const size_t wei_count = static_cast<size_t>(l.oc * (l.ic / l.groups) * l.kh * l.kw);
    std::vector<float> x = seeded(src_count, 1), w = seeded(wei_count, 2), b = seeded(static_cast<size_t>(l.oc), 3),
                       res = seeded(dst_count, 4);
    auto placed = [&](std::vector<float> &data, const memory::dims &dims, tag plain, const memory::desc &chosen) {
        memory user({dims, dt::f32, plain}, eng, data.data());
        memory m(chosen, eng);
        reorder(user, m).execute(strm, user, m);
        return m;
    };
    memory src = placed(x, src_dims, tag::nchw, pd.src_desc());
    memory wei = placed(w, wei_dims, wei_plain, pd.weights_desc());
    memory bias(bias_md, eng, b.data());
    // The sum post-op accumulates into dst: it starts as the residual (each timed call overwrites
    // it with conv + residual, which costs the same as the first).
    memory dst = placed(res, dst_dims, tag::nchw, pd.dst_desc());
    strm.wait();
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (l.bias) args[DNNL_ARG_BIAS] = bias;

    Result r;
    r.impl = pd.impl_info_str();
    if (check) {
        conv.execute(strm, args);
        strm.wait();
        std::vector<float> got(dst_count);
        memory plain({dst_dims, dt::f32, tag::nchw}, eng, got.data());
        reorder(dst, plain).execute(strm, dst, plain);
        strm.wait();
        const std::vector<float> want = reference_conv(l, x, w, b, res);
        double worst = 0, scale = 1e-30;
        for (size_t i = 0; i < want.size(); ++i) {
            scale = std::max(scale, static_cast<double>(std::fabs(want[i])));
            const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
            worst = std::isnan(d) ? INFINITY : std::max(worst, d);
        }
        r.check_error = worst / scale;
        // Back to the residual for the timed calls.
        memory user({dst_dims, dt::f32, tag::nchw}, eng, res.data());
        reorder(user, dst).execute(strm, user, dst);
        strm.wait();
    }
    for (int i = 0; i < warmup; ++i) conv.execute(strm, args);
    strm.wait();
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        if (cold) flush_caches();
        const auto start = std::chrono::steady_clock::now();
        conv.execute(strm, args);
        strm.wait();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    r.median_ms = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
    return r;
}

} // namespace

int main(int argc, char **argv) {
    std::string path;
    int runs = 30, warmup = 5, threads = 0;
    bool check = false, cold = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> int {
            if (i + 1 >= argc) fail(arg + " needs a value");
            return std::atoi(argv[++i]);
        };
        if (arg == "--runs") runs = value();
        else if (arg == "--warmup") warmup = value();
        else if (arg == "--threads") threads = value();
        else if (arg == "--check") check = true;
        else if (arg == "--cold") cold = true;
        else if (arg == "-h" || arg == "--help") {
            std::puts("usage: onednn-layers LAYERS.txt [--runs N] [--warmup N] [--threads T] [--check] [--cold]");
            return 0;
        } else if (path.empty() && arg[0] != '-') path = arg;
        else fail("unknown argument " + arg);
    }
    if (path.empty()) fail("usage: onednn-layers LAYERS.txt [--runs N] [--warmup N] [--threads T] [--check] [--cold]");
    if (runs < 1 || warmup < 0) fail("--runs must be positive and --warmup not negative");
    if (threads > 0) omp_set_num_threads(threads);
    const std::vector<Layer> layers = read_layers(path);
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream strm(eng);
    const dnnl_version_t *v = dnnl_version();
    std::printf("# oneDNN %d.%d.%d, %d threads, %d runs after %d warm-up, %s\n", v->major, v->minor, v->patch,
                omp_get_max_threads(), runs, warmup, cold ? "cold (caches flushed before each call)" : "warm");
    bool all_match = true;
    for (const Layer &l : layers) {
        Result r;
        try {
            r = run_layer(l, eng, strm, runs, warmup, check, cold);
        } catch (const dnnl::error &e) {
            fail(l.name + ": oneDNN: " + e.what());
        }
        std::printf("%s\t%.6f\t%.3f\t%s", l.name.c_str(), r.median_ms, l.flops() / (r.median_ms * 1e6), r.impl.c_str());
        if (check) {
            std::printf("\t%.3g", r.check_error);
            if (!(r.check_error <= 1e-4)) all_match = false;
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    if (!all_match) std::fprintf(stderr, "onednn-layers: oneDNN differs from the reference loop by more than 1e-4\n");
    return all_match ? 0 : 1;
}
