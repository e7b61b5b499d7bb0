"""In-context learning inputs: demonstrations from the run's training subset, then the query.

Pure functions on token ids, so the context-window rule is tested without a model: demonstrations
that would overflow the budget are dropped (the last first), the query is never cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEMO_SEPARATOR = "\n\n"  # between demonstrations and before the query


def pick_demonstrations(num_examples: int, shots: int, seed: int) -> list[int]:
    """`shots` distinct positions in a training subset of `num_examples`, drawn with the run's
    seed: each seed (and each nested size) sees its own demonstrations."""
    if shots > num_examples:
        raise ValueError(f"train.icl.shots ({shots}) exceeds the subset size ({num_examples})")
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
