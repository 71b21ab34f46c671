#!/usr/bin/python3
"""cnnc beside PyTorch and ONNX Runtime, measured in one run on this machine.

For each model (batch 1, 224x224, fp32, 2 threads) the contestants are: cnnc with its default
schedules, cnnc tuned with a given database (--db), PyTorch eager, PyTorch's best CPU path
(torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, x)))), and ONNX
Runtime (all graph optimisations, 2 intra-op threads; skipped with a notice when not installed).
All of them run the same weights: cnnc's zoo weights (named as torchvision's state_dict keys)
are loaded into torchvision, and ONNX Runtime reads the model `cnnc export` writes.

The machine's speed drifts (other jobs, frequency), so contestants are interleaved in rounds (the
order rotated each round) and each figure is the median of per-round medians; min is the fastest
single run. Every contestant's output is compared with PyTorch eager's in the same run.

cnnc libraries are loaded with ctypes over the C ABI (runtime/cnnc_runtime.h): this process never
loads Halide or LLVM. PyTorch is pointed at OpenBLAS (Debian's default BLAS is the reference
one): the script re-executes itself with the openblas-openmp folder first on LD_LIBRARY_PATH.

With --schedulers adams2019,mullapudi2016,li2018 each named Halide autoscheduler adds a contestant
cnnc-NAME: the same cnnc kernels (algorithms, packings, fusion) scheduled by that Halide 14 plugin
instead of cnnc's templates (`cnnc compile --scheduler NAME`).

--per-layer-onednn is a different mode: for every conv of each model, cnnc's kernel time (from
`cnnc bench LIB --per-layer --json`) beside oneDNN's for the same layer (bench/onednn-layers: the
same shape, stride, padding, dilation, groups, bias, ReLU/clip and residual post-ops, oneDNN's own
layout), and the --schedulers libraries' kernel times; the runners alternate in rounds, and the
table is sorted by the cnnc/oneDNN ratio, weakest cnnc kernel first. The first round also checks
oneDNN's output against a plain loop nest (onednn-layers --check); cnnc's kernels are checked
against the reference interpreter by `cnnc test-kernels`, so this mode compares timings only.

  /usr/bin/python3 bench/bench.py --build build [--db tuning.jsonl] [--models resnet50,...]
      [--schedulers adams2019,mullapudi2016,li2018] [--per-layer-onednn]
"""
import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-openmp"

# (zoo name, torchvision constructor keyword arguments)
MODELS = {
    "resnet50": {},
    "mobilenet_v2": {},
    "googlenet": {"aux_logits": False, "init_weights": False},
    "densenet121": {},
    "resnext50_32x4d": {},
    "shufflenet_v2_x1_0": {},
    "vgg16": {},
}
TOLERANCE = 1e-3  # relative to the output's largest magnitude (fp32, different summation orders)


def reexec_with_openblas():
    paths = os.environ.get("LD_LIBRARY_PATH", "").split(":")
    if os.path.isdir(OPENBLAS_DIR) and (not paths or paths[0] != OPENBLAS_DIR):
        env = dict(os.environ, LD_LIBRARY_PATH=":".join([OPENBLAS_DIR] + [p for p in paths if p]))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


class CnncModel:
    """A compiled library, run through the C ABI."""

    def __init__(self, path, shape, out_elems):
        import numpy as np
        self.lib = ctypes.CDLL(os.path.abspath(path))
        self.inst = ctypes.c_void_p()
        self._check(self.lib.cnnc_create(ctypes.byref(self.inst)))
        self.out = np.empty(out_elems, dtype=np.float32)
        self.in_size = (ctypes.c_int64 * 1)(int(np.prod(shape)))
        self.out_size = (ctypes.c_int64 * 1)(out_elems)

    def _check(self, status):
        if status != 0:
            self.lib.cnnc_last_error.restype = ctypes.c_char_p
            raise RuntimeError(f"cnnc: {self.lib.cnnc_last_error().decode()}")

    def __call__(self, x):
        ins = (ctypes.c_void_p * 1)(x.ctypes.data)
        outs = (ctypes.c_void_p * 1)(self.out.ctypes.data)
        self._check(self.lib.cnnc_run(self.inst, ins, self.in_size, outs, self.out_size))
        return self.out


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare(name, args, work):
    """Builds every contestant of `name`: a dict label -> callable(x) -> output array."""
    import numpy as np
    import torch
    import torchvision
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    cnnc = os.path.join(args.build, "tools", "cnnc")
    env = dict(os.environ, CNNC_CACHE_DIR=args.cache_dir) if args.cache_dir else None
    info = json.loads(run([cnnc, "info", f"zoo:{name}", "--format", "json"]))
    flops = 2 * sum(layer["macs"] for layer in info["layers"])
    contestants = {}
    libs = [("cnnc", [])] + ([("cnnc-tuned", ["--db", args.db])] if args.db else [])
    libs += [(f"cnnc-{s}", ["--scheduler", s]) for s in schedulers(args)]
    for label, extra in libs:
        lib = os.path.join(folder, f"lib{name}_{label.replace('-', '_')}.so")
        start = time.time()
        run([cnnc, "compile", f"zoo:{name}", "-o", lib, "-q"] + extra, env=env)
        print(f"  {label}: compiled in {time.time() - start:.1f}s", flush=True)
        contestants[label] = load_cnnc(lib, "halide" if args.spinning_pool else None)
    if args.spinning_pool:
        # A copy of the default library is a second instance of its runtime, whose first
        # cnnc_create reads CNNC_THREAD_POOL (runtime/SpinningThreadPool.h).
        lib = os.path.join(folder, f"lib{name}_cnnc_spin.so")
        shutil.copyfile(os.path.join(folder, f"lib{name}_cnnc.so"), lib)
        contestants["cnnc-spin"] = load_cnnc(lib, "spinning")
    weights = os.path.join(folder, "weights")
    if not os.path.isdir(weights):
        run([os.path.join(args.build, "tests", "zoo_export_weights"), f"zoo:{name}", weights])
    model = getattr(torchvision.models, name)(**MODELS[name]).eval()
    state = model.state_dict()
    for key in state:
        if key.endswith("num_batches_tracked"):
            continue
        state[key].copy_(torch.from_numpy(np.load(os.path.join(weights, key + ".npy"))))
    x = torch.from_numpy(np.random.RandomState(0).standard_normal((1, 3, 224, 224)).astype(np.float32))
    contestants["torch-eager"] = lambda xa: model(torch.from_numpy(xa)).numpy()
    best = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, x)))
    contestants["torch-jit"] = lambda xa: best(torch.from_numpy(xa)).numpy()
    try:
        import onnxruntime as ort
        onnx_path = os.path.join(folder, f"{name}.onnx")
        if not os.path.exists(onnx_path):
            run([cnnc, "export", f"zoo:{name}", "-o", onnx_path])
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name
        contestants["onnxruntime"] = lambda xa: session.run(None, {input_name: xa})[0]
    except ImportError:
        print("  onnxruntime: not installed, skipped "
              "(/usr/bin/python3 -m pip install --break-system-packages onnxruntime)")
    return contestants, flops, x.numpy()


def load_cnnc(path, thread_pool):
    """A cnnc library on the thread pool named (None: as the environment says)."""
    before = os.environ.get("CNNC_THREAD_POOL")
    if thread_pool:
        os.environ["CNNC_THREAD_POOL"] = thread_pool
    try:
        return CnncModel(path, (1, 3, 224, 224), 1000)
    finally:
        if before is None:
            os.environ.pop("CNNC_THREAD_POOL", None)
        else:
            os.environ["CNNC_THREAD_POOL"] = before


def schedulers(args):
    return [s for s in args.schedulers.split(",") if s] if args.schedulers else []


def compile_library(args, name, label, extra):
    folder = os.path.join(args.work, name)
    os.makedirs(folder, exist_ok=True)
    lib = os.path.join(folder, f"lib{name}_{label.replace('-', '_')}.so")
    env = dict(os.environ, CNNC_CACHE_DIR=args.cache_dir) if args.cache_dir else None
    start = time.time()
    run([os.path.join(args.build, "tools", "cnnc"), "compile", f"zoo:{name}", "-o", lib, "-q"] + extra, env=env)
    print(f"  {label}: compiled in {time.time() - start:.1f}s", flush=True)
    return lib


def ir_list(text):
    return [int(v) for v in text.strip("[]").split(",")] if text.strip("[]") else []


def conv_layers(ir_text):
    """The conv2d ops of printed IR: output name -> the onednn-layers fields."""
    import re
    types = {}
    # One result per op, or several (split): "%a, %b = split(...) : f32[...], f32[...]".
    for m in re.finditer(r"^(%\S+(?:, %\S+)*) = .* : (f32\[[0-9,]*\](?:, f32\[[0-9,]*\])*)(?: \{.*\})?$", ir_text, re.M):
        names = [n.lstrip("%") for n in m.group(1).split(", ")]
        dims = re.findall(r"f32\[([0-9,]*)\]", m.group(2))
        for n, d in zip(names, dims):
            types[n] = ir_list(d)
    layers = {}
    for m in re.finditer(r"^%(\S+) = conv2d\(([^)]*)\)(?: \{(.*)\})? : f32\[([0-9,]*)\]", ir_text, re.M):
        name, operands, attrs = m.group(1), [o.strip().lstrip("%") for o in m.group(2).split(",")], m.group(3) or ""
        a = dict(re.findall(r"(\w+)=(\[[^\]]*\]|[^,\s]+)", attrs))
        kernel = ir_list(a.get("kernel", "[1,1]"))
        stride = ir_list(a.get("stride", "[1,1]"))
        pad = ir_list(a.get("pad", "[0,0,0,0]"))
        dilation = ir_list(a.get("dilation", "[1,1]"))
        residual = a.get("residual") == "true"
        bias = len(operands) - 2 - residual > 0
        act = a.get("activation", "none")
        if act == "clip":
            act = f"clip:{float(a.get('clip_min', 0))}:{float(a.get('clip_max', 6))}"
        elif act not in ("none", "relu"):
            act = "unsupported:" + act
        n, ic, ih, iw = types[operands[0]]
        out = ir_list(m.group(4))
        layers[name] = dict(n=n, ic=ic, ih=ih, iw=iw, oc=out[1], kh=kernel[0], kw=kernel[1], sh=stride[0], sw=stride[1],
                            pad=pad, dh=dilation[0], dw=dilation[1], groups=int(a.get("groups", 1)), bias=bias,
                            act=act, residual=residual, oh=out[2], ow=out[3])
    return layers


def per_layer_onednn(args, name):
    """Returns rows: one per conv kernel, with cnnc's, each scheduler's and oneDNN's median ms."""
    cnnc = os.path.join(args.build, "tools", "cnnc")
    onednn = os.path.join(args.build, "bench", "onednn-layers")
    if not os.path.exists(onednn):
        raise RuntimeError(f"{onednn} is not built (needs libdnnl-dev: sudo apt-get install libdnnl-dev, then rebuild)")
    libs = {"cnnc": compile_library(args, name, "cnnc", [])}
    for s in schedulers(args):
        libs[f"cnnc-{s}"] = compile_library(args, name, f"cnnc-{s}", ["--scheduler", s])
    layers = conv_layers(run([cnnc, "opt", f"zoo:{name}", "-O2"]))
    layer_file = os.path.join(args.work, name, "onednn_layers.txt")
    with open(layer_file, "w") as f:
        f.write("# NAME N IC IH IW OC KH KW SH SW PT PL PB PR DH DW GROUPS BIAS ACT RESIDUAL\n")
        for lname, l in layers.items():
            act = "none" if l["act"].startswith("unsupported") else l["act"]
            pt, pl, pb, pr = l["pad"]
            f.write(f"{lname} {l['n']} {l['ic']} {l['ih']} {l['iw']} {l['oc']} {l['kh']} {l['kw']} {l['sh']} {l['sw']} "
                    f"{pt} {pl} {pb} {pr} {l['dh']} {l['dw']} {l['groups']} {int(l['bias'])} {act} {int(l['residual'])}\n")
    times = {label: {} for label in list(libs) + ["onednn"]}
    flops, impl, check = {}, {}, {}
    for r in range(args.layer_rounds):
        order = list(libs) + ["onednn"]
        order = order[r % len(order):] + order[:r % len(order)]
        for label in order:
            if label == "onednn":
                cmd = [onednn, layer_file, "--threads", str(args.threads), "--runs", str(args.layer_runs)]
                cmd += ["--cold"] if args.layer_cache == "cold" else []
                # Spinning OpenMP workers (the default passive policy adds a wake-up per call). On a
                # machine loaded past its cores a preempted worker still stalls a 2-thread call by
                # a whole time slice (layer times quantised at ~6 and ~12 ms): measure on a quiet
                # machine, or compare at --threads 1.
                out = run(cmd + (["--check"] if r == 0 else []), env=dict(os.environ, OMP_WAIT_POLICY="active"))
                for line in out.splitlines():
                    if line.startswith("#"):
                        continue
                    fields = line.split("\t")
                    times["onednn"].setdefault(fields[0], []).append(float(fields[1]))
                    impl[fields[0]] = fields[3]
                    if r == 0:
                        check[fields[0]] = float(fields[4])
                continue
            # Cold: each kernel alone after a flush, as oneDNN's layers. (Warm would set in-model
            # kernels, whose weights come from memory, beside oneDNN's layers repeated in cache.)
            report = json.loads(run([cnnc, "bench", libs[label], "--per-layer", "--json", "--threads", str(args.threads),
                                     "--runs", str(args.layer_runs)] + (["--cold"] if args.layer_cache == "cold" else [])))
            # Older reports list "kernels" with median_ms; newer ones "steps" with typical_ms.
            kernels = report.get("kernels") or [k for k in report.get("steps", []) if k.get("kind") == "kernel"]
            for k in kernels:
                kname = k["name"].split(" = ")[0].lstrip("%")
                times[label].setdefault(kname, []).append(k.get("median_ms", k.get("typical_ms")))
                if label == "cnnc":
                    flops[kname] = k["flops"]
    rows = []
    for lname, l in layers.items():
        if lname not in times["cnnc"]:
            raise RuntimeError(f"{name}: conv %{lname} has no kernel in cnnc's per-layer report")
        macs = l["n"] * l["oc"] * l["oh"] * l["ow"] * (l["ic"] // l["groups"]) * l["kh"] * l["kw"]
        # cnnc counts 2 flops per MAC plus its epilogue's (at most 3 per output: bias, residual,
        # activation): within that, it is the same layer.
        outputs = l["n"] * l["oc"] * l["oh"] * l["ow"]
        if not 2 * macs <= flops[lname] <= 2 * macs + 3 * outputs:
            raise RuntimeError(f"{name}: %{lname}: cnnc counts {flops[lname]} flops, the layer list gives {2 * macs}")
        row = {"model": name, "layer": lname, "shape": f"{l['ic']}x{l['ih']}x{l['iw']}->{l['oc']}x{l['oh']}x{l['ow']} "
               f"k{l['kh']}x{l['kw']} s{l['sh']} g{l['groups']}" + (" +res" if l["residual"] else ""),
               "flops": 2 * macs, "onednn_impl": impl[lname], "onednn_check": check[lname],
               "act_note": l["act"] if l["act"].startswith("unsupported") else ""}
        for label in times:
            row[label] = statistics.median(times[label][lname])
        rows.append(row)
    return rows


def print_per_layer(rows, labels):
    rows = sorted(rows, key=lambda r: r["cnnc"] / r["onednn"], reverse=True)
    head = f"  {'layer':28s} {'shape':38s} {'cnnc ms':>8s} {'oneDNN':>8s} {'cnnc/dnnl':>9s}"
    for label in labels:
        head += f" {label[5:] + '/cnnc':>17s}"
    print(head + "  oneDNN impl, check")
    for r in rows:
        line = (f"  {r['layer'][:28]:28s} {r['shape'][:38]:38s} {r['cnnc']:8.3f} {r['onednn']:8.3f} "
                f"{r['cnnc'] / r['onednn']:9.2f}")
        for label in labels:
            line += f" {r[label] / r['cnnc']:17.2f}"
        print(line + f"  {r['onednn_impl']}, {r['onednn_check']:.1e}" + (f" ({r['act_note']} not fused in oneDNN)" if r["act_note"] else ""))
    total = {k: sum(r[k] for r in rows) for k in ["cnnc", "onednn"] + labels}
    print(f"  {'sum of conv kernels':67s} {total['cnnc']:8.3f} {total['onednn']:8.3f} {total['cnnc'] / total['onednn']:9.2f}"
          + "".join(f" {total[label] / total['cnnc']:17.2f}" for label in labels))
    for label in labels:
        wins = [r for r in rows if r[label] < r["cnnc"]]
        print(f"  {label} faster than cnnc on {len(wins)} of {len(rows)} convs"
              + (": " + ", ".join(f"{r['layer']} ({r['cnnc'] / r[label]:.2f}x)" for r in sorted(wins, key=lambda r: r[label] / r['cnnc'])[:8]) if wins else ""))


def measure(contestants, x, rounds, runs):
    import numpy as np
    labels = list(contestants)
    outputs = {label: np.array(contestants[label](x), copy=True).reshape(-1) for label in labels}
    for label in labels:  # warm-up
        for _ in range(2):
            contestants[label](x)
    per_round = {label: [] for label in labels}
    fastest = {label: float("inf") for label in labels}
    for r in range(rounds):
        order = labels[r % len(labels):] + labels[:r % len(labels)]
        for label in order:
            # Each turn starts after a pause and one untimed run: the previous contestant's pool
            # threads (OpenMP, ONNX Runtime, Halide) spin for a while after its last run, and on
            # 2 cores they would otherwise charge the next contestant's first runs.
            time.sleep(0.05)
            contestants[label](x)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                contestants[label](x)
                times.append(time.perf_counter() - start)
            per_round[label].append(statistics.median(times))
            fastest[label] = min(fastest[label], min(times))
    medians = {label: statistics.median(per_round[label]) for label in labels}
    spread = {label: (min(per_round[label]), max(per_round[label])) for label in labels}
    return medians, fastest, spread, outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build", help="cnnc's build folder (tools/cnnc, tests/zoo_export_weights)")
    parser.add_argument("--db", help="a tuning database: adds the contestant cnnc-tuned")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated zoo names")
    parser.add_argument("--rounds", type=int, default=5)
    # The first run after another contestant pays for cold caches and woken thread pools; with
    # 2 runs a round that doubled MobileNet v2's median (8.5 vs 4.6 ms with 10), so take enough.
    parser.add_argument("--runs", type=int, default=10, help="runs per contestant per round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peak", type=float,
                        help="the machine's fp32 peak, GFLOP/s (default: cnnc-run fma-peak measures it at the start; "
                             "this machine's clock, and so its peak, varies between sessions)")
    parser.add_argument("--work", default="bench-work", help="where libraries, weights and ONNX files go")
    parser.add_argument("--cache-dir", help="CNNC_CACHE_DIR for the compiles")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--schedulers", default="",
                        help="comma-separated Halide autoschedulers (adams2019, mullapudi2016, li2018): adds a "
                             "contestant cnnc-NAME per scheduler")
    parser.add_argument("--spinning-pool", action="store_true",
                        help="adds the contestant cnnc-spin: the default library with CNNC_THREAD_POOL=spinning "
                             "(cnnc then runs on CNNC_THREAD_POOL=halide)")
    parser.add_argument("--per-layer-onednn", action="store_true",
                        help="per-conv times of cnnc (and --schedulers) beside oneDNN's instead of whole models")
    parser.add_argument("--layer-rounds", type=int, default=3, help="--per-layer-onednn: rounds")
    parser.add_argument("--layer-runs", type=int, default=20, help="--per-layer-onednn: timed runs per layer a round")
    # Neither mode is even: warm sets cnnc's in-model kernels (weights from memory) beside oneDNN's
    # layers repeated in cache; cold charges each cnnc kernel a per-call cost a model run does not
    # pay (MobileNet v2: cnnc's cold kernels sum to 8.6 ms, the whole model runs in 4.35 ms).
    parser.add_argument("--layer-cache", choices=["cold", "warm"], default="warm",
                        help="--per-layer-onednn: warm: cnnc's in-model kernel times beside oneDNN's layers "
                             "repeated in cache (favours oneDNN); cold: both time each conv alone after a cache "
                             "flush (cnnc's kernels then cost more than inside a run)")
    args = parser.parse_args()
    os.environ.setdefault("HL_NUM_THREADS", str(args.threads))
    if args.per_layer_onednn:
        labels = [f"cnnc-{s}" for s in schedulers(args)]
        results = []
        for name in args.models.split(","):
            print(f"{name}: per-layer, cnnc vs oneDNN, {args.threads} threads, {args.layer_rounds} rounds x "
                  f"{args.layer_runs} runs, {args.layer_cache} caches", flush=True)
            rows = per_layer_onednn(args, name)
            print_per_layer(rows, labels)
            results += rows
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        bad = [r for r in results if not r["onednn_check"] <= 1e-4]
        for r in bad:
            print(f"FAIL: {r['model']} {r['layer']}: oneDNN differs from the reference loop by {r['onednn_check']:.1e}")
        return 1 if bad else 0
    reexec_with_openblas()
    if args.peak is None:
        probe = run([os.path.join(args.build, "tools", "cnnc-run"), "fma-peak", "--threads", str(args.threads)])
        args.peak = float(probe.split()[0])
    import torch
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    print(f"fp32 FMA peak {args.peak:.1f} GFLOP/s on {args.threads} threads; "
          f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, BLAS first on LD_LIBRARY_PATH: "
          f"{os.environ.get('LD_LIBRARY_PATH', '').split(':')[0]}, mkldnn: {torch.backends.mkldnn.is_available()}")
    results = []
    failures = []
    for name in args.models.split(","):
        print(f"{name}: preparing", flush=True)
        contestants, flops, x = prepare(name, args, args.work)
        medians, fastest, spread, outputs = measure(contestants, x, args.rounds, args.runs)
        want = outputs["torch-eager"]
        base = medians["cnnc"]
        tuned = medians.get("cnnc-tuned")
        print(f"\n{name}: {flops / 1e9:.2f} GFLOP, {args.rounds} rounds x {args.runs} runs")
        print(f"  {'contestant':12s} {'median ms':>10s} {'min ms':>8s} {'rounds min-max':>16s} {'GFLOP/s':>8s} "
              f"{'% peak':>7s} {'/cnnc':>6s} {'/tuned':>7s} {'rel err':>9s}")
        for label, ms in medians.items():
            err = float(abs(outputs[label] - want).max() / max(abs(want).max(), 1e-30))
            ok = err <= TOLERANCE
            if not ok:
                failures.append(f"{name} {label}: relative error {err:.2e} vs torch-eager")
            lo, hi = spread[label]
            print(f"  {label:12s} {ms * 1e3:10.2f} {fastest[label] * 1e3:8.2f} {lo * 1e3:7.1f}-{hi * 1e3:<8.1f} "
                  f"{flops / ms / 1e9:8.1f} {100 * flops / ms / 1e9 / args.peak:6.1f}% {ms / base:6.2f} "
                  f"{(ms / tuned) if tuned else float('nan'):7.2f} {err:9.1e}{'' if ok else ' FAIL'}")
            results.append({"model": name, "contestant": label, "median_ms": ms * 1e3,
                            "min_ms": fastest[label] * 1e3, "gflops": flops / ms / 1e9, "rel_err": err})
        print(flush=True)
        del contestants
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
