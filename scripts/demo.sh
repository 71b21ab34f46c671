#!/usr/bin/env bash
# The README's main-job command: set up (install + build), then compile a built-in model
# (ResNet-18 from the zoo, seeded weights) to a shared library with Halide, run the library on an
# input, and check its output against cnnc's reference interpreter.
# Usage: scripts/demo.sh [zoo:NAME]   (default zoo:resnet18)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${1:-zoo:resnet18}
"$root/scripts/setup.sh"
cnnc="${BUILD_DIR:-$root/build}/tools/cnnc"
out=${DEMO_DIR:-$root/build/demo}
mkdir -p "$out"

echo "== cnnc info $model"
"$cnnc" info "$model" | grep -E "^(total|weights):"
echo "== cnnc compile $model -o $out/libmodel.so"
time "$cnnc" compile "$model" -o "$out/libmodel.so"
/usr/bin/python3 -c "
import numpy as np
np.save('$out/x.npy', np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype('<f4'))"
echo "== cnnc run $out/libmodel.so --input x.npy -o y.npy"
"$cnnc" run "$out/libmodel.so" --input "$out/x.npy" -o "$out/y.npy"
echo "== cnnc eval $model --input x.npy -o reference.npy   (the reference interpreter)"
"$cnnc" eval "$model" --input "$out/x.npy" -o "$out/reference.npy"
/usr/bin/python3 - "$out/y.npy" "$out/reference.npy" <<'PY'
import sys, numpy as np
y, ref = np.load(sys.argv[1]), np.load(sys.argv[2])
err = np.abs(y - ref).max() / max(1.0, np.abs(ref).max())
print(f"library output {y.dtype}{list(y.shape)}, top-5 classes {np.argsort(-y[0])[:5].tolist()}")
print(f"max |library - reference| / max|reference| = {err:.2e} (tolerance 1e-4)")
sys.exit(0 if err <= 1e-4 else 1)
PY
