#!/bin/bash
# Interleaved A/B of the direct and Winograd kernels on single 3x3 layers (bias+relu fused):
# ResNet-50's r64@56 r128@28 r256@14 r512@7 and VGG-16's v64@224 v128@112 v256@56 v512a@28
# v512b@14. Each layer is compiled twice at -O0 (so each keeps the algorithm its file names),
# then `cnnc bench` alternates direct and winograd, ROUNDS rounds of --runs 30; read the min and
# median of each line, and compare only lines of the same round (the machine's load changes).
#   CNNC=build/tools/cnnc OUT=/tmp/wino ROUNDS=3 LAYERS="r128 r256" bench/winograd/ab.sh
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
C=${CNNC:?set CNNC to the cnnc executable}
OUT=${OUT:-/tmp/cnnc-winograd-ab}; ROUNDS=${ROUNDS:-3}
LAYERS=${LAYERS:-"r64 r128 r256 r512 v64 v128 v256 v512a v512b"}
mkdir -p "$OUT"
for l in $LAYERS; do for a in direct winograd; do
  [ -f "$OUT/lib${l}_$a.so" ] || "$C" compile "$HERE/${l}_$a.cnn" -O0 -q -o "$OUT/lib${l}_$a.so"
done; done
for r in $(seq "$ROUNDS"); do for l in $LAYERS; do for a in direct winograd; do
  echo "round=$r layer=$l alg=$a $("$C" bench "$OUT/lib${l}_$a.so" --runs 30 --warmup 3 2>&1 | grep -m1 latency | cut -d';' -f1) | load $(cut -d' ' -f1 /proc/loadavg)"
done; done; done
