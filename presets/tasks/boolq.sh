#!/usr/bin/env bash
# BoolQ (SuperGLUE): a passage and a yes/no question about it, 9,427 training pairs; the test
# labels are hidden, so the validation split is the test set. Truncation cuts the passage (the
# longest input) first, never the question.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
hub_check super_glue --config boolq
task_pattern passage_question '{template: "{passage} Question: {question}? Answer:", label_words: [" No", " Yes"]}'
exec dvc exp run \
  "${PATTERN_ARGS[@]}" \
  -S "data.source=super_glue" -S "data.config=boolq" -S "data.test_source=null" \
  -S "data.train_split=train" -S "data.test_split=validation" \
  -S "data.inputs=[passage,question]" -S "data.label_column=label" -S "data.label_names=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob"]' \
  -S "grid.head.sizes=[10,100,1000,5000]" -S "grid.prompt.sizes=[10,100,1000,5000]" \
  -S "grid.icl_few.sizes=[10,100]" -S "format.max_input_tokens=384" \
  "$@"
