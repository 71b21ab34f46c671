#!/bin/sh
# The PTX of every kernel of a model compiled for CUDA must assemble with ptxas for each GPU
# architecture given: cnnc writes one .ptx per distinct kernel (--emit-device-code) and ptxas
# assembles each. Without a CUDA toolkit the test is skipped (exit 77, ctest's SKIP), visibly.
#   check_ptx.sh CNNC WORKDIR MODEL CAPABILITY ARCH...
set -u
cnnc=$1 work=$2 model=$3 capability=$4
shift 4
ptxas=$(command -v ptxas || true)
[ -z "$ptxas" ] && [ -x /usr/local/cuda/bin/ptxas ] && ptxas=/usr/local/cuda/bin/ptxas
if [ -z "$ptxas" ]; then
    echo "SKIP: ptxas not found (PATH, /usr/local/cuda/bin): install the CUDA toolkit to check PTX"
    exit 77
fi
rm -rf "$work" && mkdir -p "$work"
CNNC_CACHE_DIR=${CNNC_CACHE_DIR:-$work/../ptx-cache} "$cnnc" compile "$model" --target host-cuda \
    --cuda-capability "$capability" --emit-device-code "$work/ptx" -o "$work/libmodel.so" -q || exit 1
kernels=0 failures=0
for ptx in "$work"/ptx/*.ptx; do
    kernels=$((kernels + 1))
    for arch in "$@"; do
        if ! "$ptxas" -arch="$arch" "$ptx" -o "$work/out.cubin" 2> "$work/ptxas.log"; then
            echo "FAIL: $(basename "$ptx") for $arch:"; cat "$work/ptxas.log"
            failures=$((failures + 1))
        fi
    done
done
echo "$model: $kernels kernels, each assembled by $ptxas for $*; $failures failures"
[ "$kernels" -gt 0 ] && [ "$failures" -eq 0 ]
