#!/usr/bin/env bash
# TREC: question classification, 6 coarse classes (abbreviation, entity, description, human,
# location, number); 5,452 training questions, 500 test questions.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
hub_check CogComp/trec
task_pattern qtype '{template: "Question: {text} The answer is a", label_words: [" abbreviation", " thing", " description", " person", " place", " number"]}'
exec dvc exp run \
  "${PATTERN_ARGS[@]}" \
  -S "data.source=CogComp/trec" -S "data.config=null" -S "data.test_source=null" \
  -S "data.train_split=train" -S "data.test_split=test" \
  -S "data.inputs=[text]" -S "data.label_column=coarse_label" -S "data.label_names=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob", " Carol", " David", " Erin", " Frank"]' \
  -S "grid.head.sizes=[10,100,1000,5000]" -S "grid.prompt.sizes=[10,100,1000,5000]" \
  -S "sample.dev_size=200" \
  "$@"
