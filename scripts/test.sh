#!/usr/bin/env bash
# The README's test command: set up (install + build), then run the default test suite via ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" "$@"
ctest --test-dir "${BUILD_DIR:-$root/build}" --output-on-failure -j2 -LE 'slow|fuzz'
