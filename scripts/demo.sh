#!/usr/bin/env bash
# The README's main-job command: set up (install + build), then run cnnc on a shipped example:
# print the optimised IR of a hand-written ResNet basic block, and run it with the reference
# interpreter on a shipped input.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cnnc="${BUILD_DIR:-$root/build}/tools/cnnc"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== cnnc opt examples/basic_block.cnn -O2 --stats"
"$cnnc" opt "$root/examples/basic_block.cnn" -O2 --stats
echo "== cnnc eval examples/basic_block.cnn --input examples/basic_block_input.npy -o y.npy"
"$cnnc" eval "$root/examples/basic_block.cnn" --input "$root/examples/basic_block_input.npy" -o "$out/y.npy"
/usr/bin/python3 - "$out/y.npy" <<'PY'
import sys, numpy as np
y = np.load(sys.argv[1])
print(f"output {y.dtype}{list(y.shape)}: min {y.min():.4f} max {y.max():.4f} mean {y.mean():.4f}")
PY
