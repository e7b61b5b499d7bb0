"""Nested training subsets, the dev split and the test subset: pure functions of labels and seeds.

A run of size n trains on the first n rows of its seed's permutation, so every smaller subset is
inside every larger one and learning curves measure added data, not a different draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from promptworth.core.errors import SamplingError


def balanced_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A permutation of row positions whose every prefix is as class-balanced as possible.

    Rows are shuffled within each class, then dealt round-robin, one per class per round, the
    classes in a fresh random order each round; a class that runs out simply stops being dealt.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    rank = np.empty(len(labels), dtype=np.int64)  # position of a row within its shuffled class
    for c in classes:
        members = rng.permutation(np.flatnonzero(labels == c))
        rank[members] = np.arange(len(members))
    rounds = int(rank.max()) + 1 if len(labels) else 0
    # Position of each class within each round: a random permutation per round.
    slot = rng.permuted(np.tile(np.arange(len(classes)), (rounds, 1)), axis=1)
    class_index = np.searchsorted(classes, labels)
    keys = rank * len(classes) + slot[rank, class_index]
    return np.argsort(keys, kind="stable")


def nested_order(labels: np.ndarray, seed: int, stratify: bool) -> np.ndarray:
    """One permutation of the pool per data seed; a subset of size n is its first n entries."""
    rng = np.random.default_rng(seed)
    if stratify:
        return balanced_order(labels, rng)
    return rng.permutation(len(labels))


def nested_subset(order: Sequence[int], size: int, key: str = "sample size") -> list[int]:
    """The first `size` rows of a seed's permutation; a size beyond the pool is an error naming
    both (so every larger subset contains every smaller one)."""
    if size > len(order):
        raise SamplingError(
            f"{key}: size {size} is larger than the training pool ({len(order)} rows after "
            "removing the dev split)"
        )
    return list(order[:size])


def stratified_subset(labels: np.ndarray, size: int | None, seed: int, key: str) -> np.ndarray:
    """A class-balanced random subset of `size` row positions (sorted); None keeps every row."""
    if size is None:
        return np.arange(len(labels))
    if size > len(labels):
        raise SamplingError(f"{key}: {size} is larger than the {len(labels)} rows available")
    return np.sort(balanced_order(labels, np.random.default_rng(seed))[:size])


def make_splits(
    train_labels: np.ndarray,
    test_labels: np.ndarray,
    seeds: Sequence[int],
    stratify: bool,
    dev_size: int,
    split_seed: int,
    test_size: int | None,
) -> dict:
    """All row selections of the experiment, as positions into the train and test tables.

    Returns {"dev": [...], "test": [...], "orders": {seed: [...]}} where orders[seed] is a
    permutation of the whole training pool and its first n rows the training subset of size n.
    The orders do not depend on the sizes asked for, so adding a size changes no order. Dev rows
    are removed from the pool first, so no subset of any seed ever contains a dev row, and test
    rows come from the separate test table.
    """
    train_labels = np.asarray(train_labels)
    dev = stratified_subset(train_labels, dev_size, split_seed, "sample.dev_size")
    pool = np.setdiff1d(np.arange(len(train_labels)), dev)
    orders = {int(s): pool[nested_order(train_labels[pool], s, stratify)] for s in seeds}
    test = stratified_subset(np.asarray(test_labels), test_size, split_seed, "sample.test_size")
    return {
        "dev": dev.tolist(),
        "test": test.tolist(),
        "orders": {s: o.tolist() for s, o in orders.items()},
    }
