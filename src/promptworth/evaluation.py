"""Score one run on the test rows: one prediction array per reading, then accuracy and friends.

Head methods have one reading (argmax). Prompt and ICL methods have rank classification (summed,
per-byte and contextually calibrated log-likelihood of each label word) and, for the methods
with methods.<name>.generate, one reading per verbaliser applied to greedy generations.

Writes data/eval/<run>/: metrics.json and predictions.csv (the same inputs give the same files)
and cost.json (wall time and memory: measured, read only by the report's cost table; nothing
else depends on this folder, so it costs no re-run).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .checkpoints import verify_checkpoint
from .hardware import select_runtime
from .heads import predict_head
from .icl import icl_prompt_ids, pick_demonstrations
from .inference import (
    calibrated_predictions,
    generate_greedy,
    grow_batch_size,
    label_byte_lengths,
    rank_classify,
    scoring_plan,
)
from .io import atomic_path, write_json
from .methods import Run
from .modeling import load_tokenizer, peak_memory_mib
from .params import EvalParams, Params, check_label_words
from .paths import EVAL, MODEL, RUNS
from .prompt_training import load_lm
from .prompts import content_free_prompt, label_token_ids
from .records import run_identity, write_cost
from .runs import load_class_names, load_run_data, load_test_rows
from .scoring import score_predictions
from .verbalise import NONE, verbalise_bertscore, verbalise_exact, verbalise_rouge


def verbalise(
    generations: Sequence[str], label_names: Sequence[str], settings: EvalParams, device
) -> dict[str, np.ndarray]:
    """One prediction array per configured verbaliser, matching against `label_names`."""
    out = {}
    for name in settings.verbalisers:
        if name == "exact":
            out["gen_exact"] = verbalise_exact(generations, label_names)
        elif name == "rouge":
            out["gen_rouge"] = verbalise_rouge(generations, label_names, settings.rouge_threshold)
        else:
            bs = settings.bertscore
            out["gen_bertscore"] = verbalise_bertscore(
                generations, label_names, bs.model, bs.num_layers, bs.threshold, str(device)
            )
    return out


def rank_tokens(prompt_ids: Sequence[Sequence[int]], label_ids: Sequence[Sequence[int]]) -> int:
    """Tokens rank classification runs through the model (one pass per scoring-plan entry)."""
    plan = scoring_plan(label_ids)
    extra = sum(0 if j is None else len(label_ids[j]) for j in plan)
    return sum(len(p) for p in prompt_ids) * len(plan) + extra * len(prompt_ids)


def predict_lm(
    model,
    tokenizer,
    prompt_ids: Sequence[Sequence[int]],
    content_free_ids: Sequence[int],
    label_words: Sequence[str],
    settings: EvalParams,
    device,
    dtype,
    generate: bool,
) -> tuple[dict[str, np.ndarray], list[str] | None, int]:
    """Readings of a causal LM on `prompt_ids`: rank (summed log-likelihood of each label word),
    rank_norm (per byte), rank_cal (contextually calibrated against `content_free_ids`, Zhao et
    al.), and with `generate` one reading per verbaliser of the greedy generations, matched
    against the label words. Returns the readings, the generations and the tokens processed."""
    pad = tokenizer.pad_token_id
    label_ids = label_token_ids(tokenizer, label_words)
    longest = sorted(prompt_ids, key=len, reverse=True)
    batch_size = grow_batch_size(
        lambda bs: rank_classify(
            model, longest[:bs], label_ids, pad, bs, device, dtype, progress=False
        ),
        settings.batch_size,
        device,
    )
    scores = rank_classify(model, prompt_ids, label_ids, pad, batch_size, device, dtype)
    content_free = rank_classify(
        model, [content_free_ids], label_ids, pad, 1, device, dtype, progress=False
    )[0]
    readings = {
        "rank": scores.argmax(axis=1),
        "rank_norm": (scores / label_byte_lengths(label_words)).argmax(axis=1),
        "rank_cal": calibrated_predictions(scores, content_free),
    }
    tokens = rank_tokens(prompt_ids, label_ids)
    if not generate:
        return readings, None, tokens
    new_ids = generate_greedy(
        model, prompt_ids, pad, settings.max_new_tokens, batch_size, device, dtype
    )
    tokens += sum(len(p) + len(n) for p, n in zip(prompt_ids, new_ids, strict=True))
    generations = [tokenizer.decode(ids, skip_special_tokens=True) for ids in new_ids]
    words = [w.strip() for w in label_words]
    readings.update(verbalise(generations, words, settings, device))
    return readings, generations, tokens


def lm_inputs(run: Run, params: Params, test: pd.DataFrame, tokenizer, context: int):
    """Token ids of every test prompt and of the content-free input (contextual calibration);
    for icl_few, each preceded by the run's demonstrations as far as `context` allows, and what
    to record about them."""
    pattern = params.pattern_for(run)
    content_free = content_free_prompt(pattern.template)
    if run.spec.family != "icl_few":
        encode = lambda texts: tokenizer(list(texts), add_special_tokens=False)["input_ids"]  # noqa: E731
        return encode(test["prompt"]), encode([content_free])[0], {}
    shots = params.methods[run.method]
    demos = pick_demonstrations(run.size, shots.shots, run.seed)
    subset = load_run_data(run.size, run.seed, pattern.template, pattern.label_words).train
    chosen = subset.iloc[demos]
    budget = (shots.max_tokens or context) - max(
        map(len, label_token_ids(tokenizer, pattern.label_words))
    )
    prompt_ids, calibration_ids, kept = icl_prompt_ids(
        tokenizer, chosen["prompt"], chosen["target"], test["prompt"], content_free, budget
    )
    extra = {
        "demonstrations": chosen["row"].tolist(),  # rows of data/raw/train.parquet
        "demonstrations_kept_mean": round(sum(kept) / len(kept), 3),
    }
    return prompt_ids, calibration_ids, extra


def evaluate_run(run: Run, params: Params) -> dict:
    """Score `run` on the test subset; write its outputs; return its scores per reading."""
    spec, names = run.spec, load_class_names()
    check_label_words(params, len(names))
    runtime = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
    runtime.announce()
    device, dtype = runtime.device, runtime.dtype
    if spec.is_trained:  # a damaged checkpoint fails here in one line, not in safetensors
        verify_checkpoint(RUNS / run.name, run.train_stage)
    tokenizer = load_tokenizer(MODEL)
    start = time.perf_counter()
    generations, extra = None, {}
    if spec.family == "head":
        test = load_test_rows()
        readings, tokens = predict_head(
            spec,
            RUNS / run.name,
            test["head_input"],
            tokenizer,
            params.eval.batch_size,
            device,
            dtype,
        )
    else:
        pattern = params.pattern_for(run)
        test = load_test_rows(pattern.template, pattern.label_words)
        model = load_lm(spec, RUNS / run.name, MODEL).to(device)
        prompt_ids, calibration_ids, extra = lm_inputs(
            run, params, test, tokenizer, model.config.max_position_embeddings
        )
        readings, generations, tokens = predict_lm(
            model,
            tokenizer,
            prompt_ids,
            calibration_ids,
            pattern.label_words,
            params.eval,
            device,
            dtype,
            generate=params.methods[run.method].generate,
        )
    seconds = time.perf_counter() - start
    scores = {r: score_predictions(test["label"], p, len(names)) for r, p in readings.items()}
    predictions = pd.DataFrame({"row": test["row"], "label": test["label"]})
    for reading, pred in readings.items():
        predictions[reading] = [names[p] if p != NONE else "none" for p in pred]
    if generations is not None:
        predictions["generation"] = generations
    with atomic_path(EVAL / run.name) as out:
        out.mkdir()
        write_json(
            out / "metrics.json",
            {**run_identity(run), "eval_tokens": tokens, **extra, "readings": scores},
        )
        predictions.to_csv(out / "predictions.csv", index=False)
        write_cost(
            out / "cost.json",
            eval_seconds=seconds,
            peak_memory_mib=peak_memory_mib(device),
            device=str(device),
        )
    return scores
