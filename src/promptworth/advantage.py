"""The data advantage of Le Scao & Rush (2021): the average horizontal gap between two learning
curves, i.e. how many more training points one method needs to match the other's accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd


def envelope(runs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Best accuracy per size over runs, then a running maximum along size: the accuracy a method
    reaches with at most n points. `runs` has columns size and accuracy."""
    best = runs.groupby("size")["accuracy"].max().sort_index()
    return best.index.to_numpy(dtype=float), np.maximum.accumulate(best.to_numpy(dtype=float))


def points_needed(sizes: np.ndarray, accuracies: np.ndarray, level: float) -> float:
    """Fewest points at which the piecewise-linear curve first reaches `level` (NaN if never)."""
    if level <= accuracies[0]:
        return float(sizes[0])
    for k in range(1, len(sizes)):
        if accuracies[k] >= level:
            a0, a1 = accuracies[k - 1], accuracies[k]
            frac = (level - a0) / (a1 - a0) if a1 > a0 else 1.0
            return float(sizes[k - 1] + frac * (sizes[k] - sizes[k - 1]))
    return float("nan")


def data_advantage(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int, log_space: bool = False
) -> float:
    """Mean over `levels` accuracy levels of (points head needs - points prompt needs), over the
    accuracy range both curves reach. Positive: the prompt saves that many points. NaN if the
    curves share no accuracy range.

    With `log_space`, curves are interpolated in log10(points) and the gap is a log10 ratio:
    10**gap = k reads "the prompt at n points matches the head at k x n points", the natural
    reading for curves sampled at 10, 100, 1000, ... points."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    if log_space:
        ps, hs = np.log10(ps), np.log10(hs)
    low, high = max(pa[0], ha[0]), min(pa[-1], ha[-1])
    if not low < high:
        return float("nan")
    grid = np.linspace(low, high, levels)
    gaps = [points_needed(hs, ha, a) - points_needed(ps, pa, a) for a in grid]
    return float(np.mean(gaps))


def data_advantage_with_error(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int, log_space: bool = False
) -> dict[str, float]:
    """The advantage and its leave-one-run-out standard deviation: recompute it without each run
    (of either method) in turn; the spread says how much one lucky or unlucky seed moves it."""
    value = data_advantage(prompt_runs, head_runs, levels, log_space)
    loo: list[float] = []
    for which, runs in (("prompt", prompt_runs), ("head", head_runs)):
        for drop in runs.index:
            rest = runs.drop(index=drop)
            if rest.empty:
                continue
            pair = (rest, head_runs) if which == "prompt" else (prompt_runs, rest)
            loo.append(data_advantage(*pair, levels, log_space))
    finite = [v for v in loo if np.isfinite(v)]
    std = float(np.std(finite)) if finite else float("nan")
    return {"advantage": value, "loo_std": std, "loo_runs": len(finite)}
