#!/usr/bin/env bash
# The learning-rate pilot behind the published run (docs/settings.md):
# SmolLM2-135M, 100 training points, seed 0, each method trained once per candidate rate and
# scored on 500 dev rows at its last step; the published run then fixes the chosen rates. Only the run
# stages of the chosen rate's pilot run (no read stage, no report); each run stage also scores its test
# rows (one stage per run), but `python -m promptworth.analysis.pilot` prints the table from each
# run's train.json, which holds dev figures only: no choice reads a test row. The same data, steps and precision as presets/smollm2_cpu.sh.
#
#   AG_NEWS_TRAIN=... AG_NEWS_TEST=... bash presets/pilot_cpu.sh && python -m promptworth.analysis.pilot
#   PILOT=backbone bash presets/pilot_cpu.sh     # head_full's backbone rate (equal tuning)
#   MODEL=gemma3 bash presets/pilot_cpu.sh       # the same pilot on Gemma-3-270m
#   MODEL=gemma3 PILOT=backbone HEAD_RATE=<its choice> bash presets/pilot_cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. presets/common.sh
data_args
model_args
published_cpu_args
if [ "${PILOT:-rates}" = backbone ]; then
  # Equal tuning: head_full's backbone rate among the prompt's candidates, with the head rate
  # the first pilot chose (protocols/ag_news_smollm2.md): HEAD_RATE, SmolLM2's 1e-2 unless set.
  exec dvc exp run "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" \
    -S "grid.head.methods=[head_full]" \
    -S "grid.head.sizes=[100]" \
    -S "grid.head.seeds=[0]" \
    -S "grid.prompt.methods=[]" \
    -S "grid.icl_zero.patterns=[]" \
    -S "grid.icl_few.patterns=[]" \
    -S "~methods.head_full.learning_rate" -S "+methods.head_full.learning_rate={backbone: [1.0e-5, 2.0e-5, 5.0e-5], head: ${HEAD_RATE:-1.0e-2}}" \
    "$@" run_head
fi
exec dvc exp run "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" \
  -S "grid.head.sizes=[100]" \
  -S "grid.head.seeds=[0]" \
  -S "grid.prompt.sizes=[100]" \
  -S "grid.prompt.seeds=[0]" \
  -S "grid.icl_zero.patterns=[]" \
  -S "grid.icl_few.patterns=[]" \
  -S "methods.head_frozen.learning_rate=[1.0e-4,1.0e-3,1.0e-2,3.0e-2,1.0e-1]" \
  -S "~methods.head_full.learning_rate" -S "+methods.head_full.learning_rate={backbone: 2.0e-5, head: [1.0e-4, 1.0e-3, 1.0e-2, 3.0e-2, 1.0e-1]}" \
  -S "methods.prompt.learning_rate=[1.0e-5,2.0e-5,5.0e-5]" \
  "$@" run_head run_prompt
