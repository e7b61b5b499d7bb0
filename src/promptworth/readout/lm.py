"""Reading a causal LM's answers to prompts: rank classification (summed, per-byte and
contextually calibrated log-likelihood of each label word) and, optionally, greedy generations
mapped to labels by each configured verbaliser."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from promptworth.config.schema import EvalParams
from promptworth.data.prompts import label_token_ids
from promptworth.readout.inference import (
    calibrated_predictions,
    generate_greedy,
    grow_batch_size,
    label_byte_lengths,
    rank_classify,
    scoring_plan,
)
from promptworth.readout.verbalise import verbalise_bertscore, verbalise_exact, verbalise_rouge


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
