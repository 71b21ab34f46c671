#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian 12 machine: installs cnnc's Debian packages (only
# those missing) and builds the project with two jobs. Both README commands call this first.
# Usage: scripts/setup.sh [extra cmake -D options...]   (BUILD_DIR overrides the build folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}

packages=(cmake ninja-build g++ libhalide14-0-dev llvm-14-dev llvm-14-tools libboost-graph-dev
          libfmt-dev doctest-dev libcli11-dev libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
          python3 python3-numpy graphviz
          # OpenCL on the CPU (PoCL) for the GPU-target tests; clinfo lists the platform.
          pocl-opencl-icd ocl-icd-opencl-dev clinfo
          # oneDNN, the per-layer peer of bench/bench.py --per-layer-onednn (bench/onednn-layers).
          libdnnl-dev
          # References for tests (never parts of cnnc): PyTorch/torchvision outputs, ONNX checker.
          python3-torch python3-torchvision python3-onnx)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build" -j2
