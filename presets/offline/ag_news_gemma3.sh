#!/usr/bin/env bash
# AG News on Gemma-3-270m, a base model (not instruction-tuned): the published SmolLM2 protocol
# with the other model, so base vs instruct is the only difference. The learning rates come from
# the same dev-row pilot run on Gemma first (`MODEL=gemma3 bash presets/pilot_cpu.sh`, then
# `python -m promptworth.analysis.pilot`); pass the chosen ones here: FROZEN_RATE is head_frozen's,
# HEAD_RATE head_full's head rate (each method's own choice: on Gemma they differ), BACKBONE_RATE
# head_full's backbone rate (`PILOT=backbone`), PROMPT_RATE the prompt's. Protocol:
# protocols/ag_news_gemma3.md. Gemma Terms of Use apply to the weights. PROTOCOL=v2 (and its pilot,
# PILOT=v2): protocols/ag_news_gemma3_v2.md.
#
#   FROZEN_RATE=... HEAD_RATE=... BACKBONE_RATE=... PROMPT_RATE=... SIZES='[10,20,50,100,200]' \
#   AG_NEWS_TRAIN=train.csv AG_NEWS_TEST=test.csv bash presets/offline/ag_news_gemma3.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. presets/common.sh
protocol_version
if [ "${PILOT:-}" = v2 ] || [ "$PROTOCOL_VERSION" = v2 ]; then
  published_learning_rates  # protocol v2: Gemma's own two-size pilot (or that pilot itself)
else
  own_pilot_rates 500 "run the dev-row pilot first (MODEL=gemma3 bash presets/pilot_cpu.sh) and pass the rates it chose"
fi
data_args
MODEL=gemma3 model_args
published_cpu_args
grid_args '[10,20,50,100,200]'
exec dvc exp run "${GRID_ARGS[@]}" "${DATA_ARGS[@]}" "${MODEL_ARGS[@]}" "${PUBLISHED_ARGS[@]}" "${RATE_ARGS[@]}" \
  -S "grid.icl_few.patterns=[]" \
  "$@"
