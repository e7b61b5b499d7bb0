#!/usr/bin/env bash
# SST-2 (GLUE): movie-review sentences, 2 classes. The test split's labels are hidden (-1), so
# GLUE's validation split is the test set. The hub's ClassLabel names the classes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
hub_check glue --config sst2
task_pattern review '{template: "Review: {sentence} Sentiment:", label_words: [" negative", " positive"]}'
exec dvc exp run \
  "${PATTERN_ARGS[@]}" \
  -S "data.source=glue" -S "data.config=sst2" -S "data.test_source=null" \
  -S "data.train_split=train" -S "data.test_split=validation" \
  -S "data.inputs=[sentence]" -S "data.label_column=label" -S "data.label_names=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob"]' \
  -S "grid.head.sizes=[10,100,1000,10000]" -S "grid.prompt.sizes=[10,100,1000,10000]" \
  "$@"
