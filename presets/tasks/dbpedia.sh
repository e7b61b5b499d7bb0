#!/usr/bin/env bash
# DBpedia-14: Wikipedia abstracts with their titles (two input columns), 14 classes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
hub_check fancyzhx/dbpedia_14
task_pattern topic '{template: "{title}: {content} This is about a", label_words: [" company", " school", " artist", " athlete", " politician", " vehicle", " building", " place", " village", " animal", " plant", " album", " film", " book"]}'
exec dvc exp run \
  "${PATTERN_ARGS[@]}" \
  -S "data.source=fancyzhx/dbpedia_14" -S "data.config=null" -S "data.test_source=null" \
  -S "data.train_split=train" -S "data.test_split=test" \
  -S "data.inputs=[title,content]" -S "data.label_column=label" -S "data.label_names=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob", " Carol", " David", " Erin", " Frank", " Grace", " Heidi", " Ivan", " Judy", " Mallory", " Niaj", " Olivia", " Peggy"]' \
  -S "sample.test_size=7000" \
  "$@"
