"""Which (method, size, seed) runs of the method x size x seed matrix actually train.

DVC's matrix is a full product; a CPU-sized experiment needs a smaller grid (fewer seeds at the
largest size, the expensive methods only at small sizes). `train.limits` trims the product per
method; a trimmed run's stages write a `skipped` marker and the report leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RunLimits:
    max_size: int | None = None  # sizes above this are skipped (None: every size)
    seeds_at_max_size: int | None = None  # at the method's largest size, only the first k seeds


def run_included(
    method: str,
    size: int,
    seed: int,
    sizes: Sequence[int],
    seeds: Sequence[int],
    limits: Mapping[str, RunLimits],
) -> bool:
    limit = limits.get(method, RunLimits())
    if limit.max_size is not None and size > limit.max_size:
        return False
    largest = max(s for s in sizes if limit.max_size is None or s <= limit.max_size)
    if size == largest and limit.seeds_at_max_size is not None:
        return list(seeds).index(seed) < limit.seeds_at_max_size
    return True


def planned_runs(
    methods: Sequence[str],
    sizes: Sequence[int],
    seeds: Sequence[int],
    limits: Mapping[str, RunLimits],
) -> list[tuple[str, int, int]]:
    """Every run that trains, in method, size, seed order."""
    return [
        (m, size, seed)
        for m in methods
        for size in sorted(sizes)
        for seed in seeds
        if run_included(m, size, seed, sizes, seeds, limits)
    ]
