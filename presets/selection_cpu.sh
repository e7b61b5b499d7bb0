#!/usr/bin/env bash
# The early-stopped reading beside the published fixed-step one (docs/results.md, "What dev-row
# selection does"): the headline pair (head_full, prompt) at 10 and 100 points x 3 seeds, trained
# exactly as the published run (same data, seeds, steps, learning rates), but with dev accuracy
# measured on the 500 dev rows every 15 steps and the best evaluation's weights kept (ties: lower
# dev loss, then the later step) instead of the last ones. Dev evaluation draws no random number,
# so each run follows the published run's trajectory: where it keeps the last step, its test
# accuracy must equal the published one, which tools/selection_effect.py checks.
#
#   AG_NEWS_TRAIN=../shared/data/ag_news/train_subset.csv AG_NEWS_TEST=../shared/data/ag_news/test.csv \
#   bash presets/selection_cpu.sh
#   python tools/selection_effect.py --fixed <published metrics/curves.csv>  # -> reports/selection.md
#
# Run it in a copy of the published workspace (its data, model and format stages are reused);
# it rewrites that workspace's params.yaml and metrics. Extra arguments go to `dvc exp run`.
set -euo pipefail
cd "$(dirname "$0")/.."
. presets/common.sh
data_args
smollm2_args
published_cpu_args 4
published_learning_rates
exec dvc exp run "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" "${RATE_ARGS[@]}" \
  -S "grid.head.methods=[head_full]" \
  -S "grid.head.sizes=[10,100]" \
  -S "grid.head.seeds=[0,1,2]" \
  -S "grid.prompt.sizes=[10,100]" \
  -S "grid.prompt.seeds=[0,1,2]" \
  -S "grid.icl_zero.patterns=[]" \
  -S "grid.icl_few.patterns=[]" \
  -S "train.early_stopping.eval_interval=15" \
  -S "methods.prompt.generate=false" \
  "$@"
