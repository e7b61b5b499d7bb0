"""Which (method, pattern, size, seed) runs of the DVC matrix actually run.

DVC's matrix is a full product; most of it is meaningless or too expensive, so this module says
which cells run. Always: head methods ignore the prompt pattern (they run under train.main_pattern
only); icl_zero neither trains nor sees training data (one run, at the smallest size and first
seed, drawn as a flat line); icl_few needs at least `shots` examples. Per method, `train.limits`
trims the rest for CPU-sized grids. A cell that does not run writes a `skipped` marker and the
report leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HEAD_METHODS = ("head_frozen", "head_full")
ICL_METHODS = ("icl_zero", "icl_few")
# The prompt method and its variants: LM loss on the label word after the pattern.
PROMPT_METHODS = ("prompt", "prompt_null", "prompt_lora", "prompt_tuning")
METHODS = HEAD_METHODS + PROMPT_METHODS + ICL_METHODS


@dataclass(frozen=True)
class RunLimits:
    max_size: int | None = None  # sizes above this are skipped (None: every size)
    seeds: int | None = None  # only the first k seeds run, at every size
    seeds_at_max_size: int | None = None  # at the method's largest size, only the first k seeds
    all_patterns: bool = True  # every pattern in train.patterns, else train.main_pattern only


def run_name(method: str, pattern: str, size: int, seed: int) -> str:
    """The name of one run: its folder under data/runs and data/eval."""
    return f"{method}-{pattern}-{size}-{seed}"


def skip_reason(
    method: str,
    pattern: str,
    size: int,
    seed: int,
    main_pattern: str,
    sizes: Sequence[int],
    seeds: Sequence[int],
    limits: Mapping[str, RunLimits],
    shots: int = 0,
) -> str | None:
    """Why this cell of the matrix does not run, or None when it runs. Depends only on the cell,
    the main pattern, sizes, seeds, limits and shots (the train stage's params), never on the
    list of patterns: adding a pattern adds stages and re-runs none."""
    if method in HEAD_METHODS and pattern != main_pattern:
        return f"{method} reads no prompt pattern: it runs under train.main_pattern only"
    if method == "icl_zero" and (size != min(sizes) or seed != seeds[0]):
        return "icl_zero uses no training data: one run, at the smallest size and first seed"
    if method == "icl_few" and size < shots:
        return f"icl_few needs train.icl.shots ({shots}) examples; this subset has {size}"
    limit = limits.get(method, RunLimits())
    key = f"train.limits.{method}"
    if not limit.all_patterns and pattern != main_pattern:
        return f"{key}.all_patterns is false: train.main_pattern only"
    if limit.max_size is not None and size > limit.max_size:
        return f"{key}.max_size ({limit.max_size})"
    position = list(seeds).index(seed)
    if limit.seeds is not None and position >= limit.seeds:
        return f"{key}.seeds ({limit.seeds})"
    largest = max(s for s in sizes if limit.max_size is None or s <= limit.max_size)
    at_max = size == largest and limit.seeds_at_max_size is not None
    if at_max and position >= limit.seeds_at_max_size:
        return f"{key}.seeds_at_max_size ({limit.seeds_at_max_size})"
    return None


def planned_runs(
    methods: Sequence[str],
    patterns: Sequence[str],
    sizes: Sequence[int],
    seeds: Sequence[int],
    limits: Mapping[str, RunLimits],
    shots: int = 0,
) -> list[tuple[str, str, int, int]]:
    """Every run that runs, in method, pattern, size, seed order; patterns[0] is the main one."""
    return [
        (m, p, size, seed)
        for m in methods
        for p in patterns
        for size in sorted(sizes)
        for seed in seeds
        if skip_reason(m, p, size, seed, patterns[0], sizes, seeds, limits, shots) is None
    ]
