#!/usr/bin/env bash
# RTE (GLUE): sentence pairs, entailment or not (2 classes), 2,490 training pairs; the test labels
# are hidden, so the validation split (277 pairs) is the test set. The label words share nothing
# with the class names: the pattern asks a yes/no question.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
hub_check glue --config rte
task_pattern yesno '{template: "{sentence1} Question: {sentence2} Yes or no? Answer:", label_words: [" Yes", " No"]}'
exec dvc exp run \
  "${PATTERN_ARGS[@]}" \
  -S "data.source=glue" -S "data.config=rte" -S "data.test_source=null" \
  -S "data.train_split=train" -S "data.test_split=validation" \
  -S "data.inputs=[sentence1,sentence2]" -S "data.label_column=label" -S "data.label_names=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob"]' \
  -S "grid.head.sizes=[10,20,50,100,200,500,1000,2000]" \
  -S "grid.prompt.sizes=[10,20,50,100,200,500,1000,2000]" -S "grid.icl_few.sizes=[10,100]" \
  -S "sample.dev_size=200" -S "format.max_input_tokens=256" \
  "$@"
