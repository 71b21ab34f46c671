#!/usr/bin/env python3
"""Whole-model latency with branch concurrency off, on and auto (cnnc compile
--branch-concurrency), measured in one session with the variants interleaved round by round, so
that load from other processes falls on all of them alike.

Each round runs `cnnc bench LIB --threads T --runs N --json` once per variant, in a rotated order;
a variant's figures are the median over rounds of the per-round medians, and the median over
rounds of the per-round fastest runs (the least disturbed by other processes: on a loaded
machine the per-round medians swing by 2x, the fastest runs much less). The 1-minute load
average is printed per round: on a shared machine, compare variants only within one run of this
script.

  bench/branch_concurrency.py --cnnc build/tools/cnnc zoo:googlenet zoo:resnet50 --rounds 7
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def compile_variant(cnnc, model, mode, extra, folder):
    lib = os.path.join(folder, f"lib{model.replace(':', '_').replace('?', '_').replace('=', '_')}_{mode}.so")
    cmd = [cnnc, "compile", model, "-o", lib, "-q", "--branch-concurrency", mode] + extra
    subprocess.run(cmd, check=True)
    return lib


def bench(cnnc, lib, threads, runs):
    out = subprocess.run([cnnc, "bench", lib, "--threads", str(threads), "--runs", str(runs), "--json"],
                         check=True, capture_output=True, text=True).stdout
    latency = json.loads(out)["latency_ms"]
    return latency["median"], latency["min"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+")
    p.add_argument("--cnnc", required=True)
    p.add_argument("--modes", default="off,on,auto")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--auto-max-pixels", type=int, default=None,
                   help="the auto variant's --branch-concurrency-max-pixels (default: cnnc's)")
    p.add_argument("--folder", default=None, help="where the libraries go (default: a temporary folder)")
    args = p.parse_args()
    folder = args.folder or tempfile.mkdtemp(prefix="cnnc-branch-")
    modes = args.modes.split(",")
    for model in args.models:
        extra = {"auto": ["--branch-concurrency-max-pixels", str(args.auto_max_pixels)]} if args.auto_max_pixels else {}
        libs = {m: compile_variant(args.cnnc, model, m, extra.get(m, []), folder) for m in modes}
        times = {m: [] for m in modes}
        fastest = {m: [] for m in modes}
        for r in range(args.rounds):
            order = modes[r % len(modes):] + modes[:r % len(modes)]
            for m in order:
                median, best = bench(args.cnnc, libs[m], args.threads, args.runs)
                times[m].append(median)
                fastest[m].append(best)
            load = os.getloadavg()[0]
            print(f"{model} round {r + 1}: " + ", ".join(f"{m} {times[m][-1]:.2f}/{fastest[m][-1]:.2f}" for m in modes) +
                  f" ms median/fastest (load {load:.1f})", file=sys.stderr, flush=True)
        base, base_fast = statistics.median(times[modes[0]]), statistics.median(fastest[modes[0]])
        for m in modes:
            med, fast = statistics.median(times[m]), statistics.median(fastest[m])
            print(f"{model}: {m:4s} median {med:8.2f} ms ({med / base:.3f}x of {modes[0]}); fastest run "
                  f"{fast:8.2f} ms ({fast / base_fast:.3f}x)", flush=True)
        for m in modes[1:]:
            wins = sum(a < b for a, b in zip(fastest[m], fastest[modes[0]]))
            print(f"{model}: {m} fastest run below {modes[0]}'s in {wins} of {args.rounds} rounds", flush=True)
        print(f"{model}: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)


if __name__ == "__main__":
    main()
