#!/usr/bin/env bash
# One-call device check on a lent GPU machine (no internet, Python 3.12 with torch preinstalled):
# the fast suite with the CUDA tests, the training throughput/MFU sweep and bench/bench.py, then
# the e2e tests that fit, in under ~8 minutes; logs under $OUT (or .gpu/out).
#
#   bash ../shared/gpu/make_bundle.sh     # once, on a machine with internet: builds .gpu/
#   bash bench/gpu_check.sh               # on the GPU machine (the device tool carries .gpu/)
#
# It runs the offline wheelhouse's own runner (.gpu/run_gpu.sh, from ../shared/gpu/), whose knobs
# it passes through (GPU_CHECK_TOTAL_S, GPU_CHECK_E2E_S, ...). The GPU-only paths stay off by
# default until a session with a GPU has run this and its CUDA tests passed (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .gpu/run_gpu.sh && ! -f .gpu/run_gpu.sh ]]; then
  echo "error: no .gpu/ wheelhouse here: build it first with \`bash ../shared/gpu/make_bundle.sh\`" \
    "on a machine with internet (../shared/gpu/README.md), then carry .gpu/ with the checkout" >&2
  exit 2
fi
exec bash .gpu/run_gpu.sh "$@"
