"""What reading a causal LM's answers needs the LM for: each label word's log-likelihood after
every prompt and after the content-free input, and optionally greedy generations. The readings
themselves (rank, rank_norm, rank_cal, one per verbaliser) are computed from these saved scores
without a model, by readout/readings.py."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from promptworth.config.schema import EvalParams
from promptworth.data.prompts import label_token_ids
from promptworth.readout.inference import (
    generate_greedy,
    grow_batch_size,
    rank_classify,
    scoring_plan,
)


def rank_tokens(prompt_ids: Sequence[Sequence[int]], label_ids: Sequence[Sequence[int]]) -> int:
    """Tokens rank classification runs through the model (one pass per scoring-plan entry)."""
    plan = scoring_plan(label_ids)
    extra = sum(0 if j is None else len(label_ids[j]) for j in plan)
    return sum(len(p) for p in prompt_ids) * len(plan) + extra * len(prompt_ids)


def score_lm(
    model,
    tokenizer,
    prompt_ids: Sequence[Sequence[int]],
    content_free_ids: Sequence[int],
    label_words: Sequence[str],
    settings: EvalParams,
    device,
    dtype,
    generate: bool,
) -> tuple[np.ndarray, np.ndarray, list[str] | None, int]:
    """What reading a causal LM's answers needs the LM for, on `prompt_ids`: the (rows, labels)
    summed log-likelihood of each label word, the same for the content-free input
    `content_free_ids` (contextual calibration), and with `generate` the greedy generations.
    Returns those and the tokens processed; `lm_readings` turns them into predictions."""
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
    tokens = rank_tokens(prompt_ids, label_ids)
    if not generate:
        return scores, content_free, None, tokens
    new_ids = generate_greedy(
        model, prompt_ids, pad, settings.max_new_tokens, batch_size, device, dtype
    )
    tokens += sum(len(p) + len(n) for p, n in zip(prompt_ids, new_ids, strict=True))
    generations = [tokenizer.decode(ids, skip_special_tokens=True) for ids in new_ids]
    return scores, content_free, generations, tokens
