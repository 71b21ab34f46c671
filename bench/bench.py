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

  /usr/bin/python3 bench/bench.py --build build [--db tuning.jsonl] [--models resnet50,...]
"""
import argparse
import ctypes
import json
import os
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
    for label, extra in libs:
        lib = os.path.join(folder, f"lib{name}_{label.replace('-', '_')}.so")
        start = time.time()
        run([cnnc, "compile", f"zoo:{name}", "-o", lib, "-q"] + extra, env=env)
        print(f"  {label}: compiled in {time.time() - start:.1f}s", flush=True)
        contestants[label] = CnncModel(lib, (1, 3, 224, 224), 1000)
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
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--runs", type=int, default=3, help="runs per contestant per round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--peak", type=float, default=285.0, help="the machine's measured fp32 peak, GFLOP/s")
    parser.add_argument("--work", default="bench-work", help="where libraries, weights and ONNX files go")
    parser.add_argument("--cache-dir", help="CNNC_CACHE_DIR for the compiles")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    reexec_with_openblas()
    os.environ.setdefault("HL_NUM_THREADS", str(args.threads))
    import torch
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, BLAS first on LD_LIBRARY_PATH: "
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
