#!/usr/bin/env bash
# MNLI (GLUE): premise and hypothesis, 3 classes (entailment, neutral, contradiction), 392,702
# training pairs; the test labels are hidden, so validation_matched is the test set.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
hub_check glue --config mnli
task_pattern ynm '{template: "{premise} Question: {hypothesis} Yes, no, or maybe? Answer:", label_words: [" Yes", " Maybe", " No"]}'
exec dvc exp run \
  "${PATTERN_ARGS[@]}" \
  -S "data.source=glue" -S "data.config=mnli" -S "data.test_source=null" \
  -S "data.train_split=train" -S "data.test_split=validation_matched" \
  -S "data.inputs=[premise,hypothesis]" -S "data.label_column=label" -S "data.label_names=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob", " Carol"]' \
  -S "format.max_input_tokens=256" \
  "$@"
