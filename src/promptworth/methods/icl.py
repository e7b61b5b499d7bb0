"""In-context learning inputs: demonstrations from the run's training subset, then the query.

Pure functions on token ids, so the context-window rule is tested without a model: demonstrations
that would overflow the budget are dropped (the last first), the query is never cut;
few_shot_inputs puts them together for a run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from promptworth.core.errors import SamplingError
from promptworth.data.prompts import content_free_prompt, label_token_ids
from promptworth.data.runs import load_run_data

DEMO_SEPARATOR = "\n\n"  # between demonstrations and before the query


def pick_demonstrations(num_examples: int, shots: int, seed: int) -> list[int]:
    """`shots` distinct positions in a training subset of `num_examples`, drawn with the run's
    seed: each seed (and each nested size) sees its own demonstrations."""
    if shots > num_examples:
        raise SamplingError(
            f"methods.icl_few.shots ({shots}) exceeds the subset size ({num_examples}): "
            "every size in grid.icl_few.sizes must hold the demonstrations"
        )
    return np.random.default_rng(seed).choice(num_examples, size=shots, replace=False).tolist()


def fit_demonstrations(
    demo_ids: Sequence[Sequence[int]], query_len: int, budget: int
) -> list[list[int]]:
    """The longest prefix of `demo_ids` whose total length plus `query_len` fits `budget`
    tokens. A query longer than the budget keeps no demonstration (and is still scored whole)."""
    kept, used = [], query_len
    for ids in demo_ids:
        if used + len(ids) > budget:
            break
        kept.append(list(ids))
        used += len(ids)
    return kept


def icl_inputs(
    demo_ids: Sequence[Sequence[int]],
    query_ids: Sequence[Sequence[int]],
    budget: int,
) -> tuple[list[list[int]], list[int]]:
    """Token ids of each demonstrations-then-query input, and how many demonstrations each kept.
    `budget` is the context length left once the longest label is reserved."""
    inputs, kept = [], []
    for query in query_ids:
        demos = fit_demonstrations(demo_ids, len(query), budget)
        inputs.append([t for d in demos for t in d] + list(query))
        kept.append(len(demos))
    return inputs, kept


def icl_prompt_ids(
    tokenizer,
    demo_prompts: Sequence[str],
    demo_targets: Sequence[str],
    query_prompts: Sequence[str],
    content_free: str,
    budget: int,
) -> tuple[list[list[int]], list[int], list[int]]:
    """Demonstrations-then-query token ids of every query (demonstrations that would overflow
    `budget` dropped, the query kept whole), the same for the content-free input (contextual
    calibration), and how many demonstrations each query kept."""

    def encode(texts: Sequence[str]) -> list[list[int]]:
        texts = list(texts)
        return tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []

    demos = [p + t + DEMO_SEPARATOR for p, t in zip(demo_prompts, demo_targets, strict=True)]
    demo_ids = encode(demos)
    queries, kept = icl_inputs(demo_ids, encode(query_prompts), budget)
    (calibration,), _ = icl_inputs(demo_ids, encode([content_free]), budget)
    return queries, calibration, kept


def few_shot_inputs(run, params, test: pd.DataFrame, tokenizer, context: int):
    """icl_few's test inputs: each test prompt (and the content-free input, for contextual
    calibration) preceded by the run's demonstrations as far as `context` allows; and what to
    record about them."""
    pattern = params.pattern_for(run)
    shots = params.methods[run.method]
    demos = pick_demonstrations(run.size, shots.shots, run.seed)
    subset = load_run_data(run.size, run.seed, pattern.template, pattern.label_words).train
    chosen = subset.iloc[demos]
    budget = (shots.max_tokens or context) - max(
        map(len, label_token_ids(tokenizer, pattern.label_words))
    )
    prompt_ids, calibration_ids, kept = icl_prompt_ids(
        tokenizer, chosen["prompt"], chosen["target"], test["prompt"],
        content_free_prompt(pattern.template), budget,
    )  # fmt: skip
    extra = {
        "demonstrations": chosen["row"].tolist(),  # rows of data/raw/train.parquet
        "demonstrations_kept_mean": round(sum(kept) / len(kept), 3),
    }
    return prompt_ids, calibration_ids, extra
