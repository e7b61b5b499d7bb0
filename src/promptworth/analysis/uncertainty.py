"""Uncertainty that includes the test rows: a paired bootstrap over test rows and seed runs.

Each resample draws the test rows with replacement (the same rows for both methods: a paired
design, so a row both get right or wrong moves neither) and each method's runs with replacement,
recomputes every run's accuracy on those rows, and the data advantage from them. Test-row
sampling error (about +-0.012 at 1,000 rows) is as large as the gaps the advantage is built
from, so an interval over runs alone is too narrow.

With millions of row draws no enumeration is possible; the resamples grow (doubling) until two
bootstrap seeds give intervals within `tolerance` points of each other, so the interval is a
property of the runs, not of the bootstrap's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from promptworth.analysis.advantage import percentile_interval

MAX_RESAMPLES = 64_000


@dataclass(frozen=True)
class RunRows:
    """One method's runs on the shared test rows: run k has `sizes[k]`, `seeds[k]` and 0/1
    correctness `correct[k, i]` on test row i (every method's rows in the same order)."""

    sizes: np.ndarray
    seeds: np.ndarray
    correct: np.ndarray

    @property
    def seed_values(self) -> np.ndarray:
        return np.unique(self.seeds)


def _seed_size_table(runs: RunRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeds, sizes and index[seed, size] -> run (every seed must have every size)."""
    seeds, sizes = np.unique(runs.seeds), np.unique(runs.sizes)
    index = np.full((len(seeds), len(sizes)), -1)
    for k, (n, s) in enumerate(zip(runs.sizes, runs.seeds, strict=True)):
        index[np.searchsorted(seeds, s), np.searchsorted(sizes, n)] = k
    if (index < 0).any():
        raise ValueError("every seed needs a run at every size for the row bootstrap")
    return seeds, sizes.astype(float), index


def _envelopes(runs: RunRows, counts: np.ndarray, rng: np.random.Generator) -> tuple:
    """For a batch of row draws (`counts`: resamples x rows), each resample's envelope over a
    draw of the method's seeds with replacement: (sizes, resamples x sizes accuracies)."""
    seeds, sizes, index = _seed_size_table(runs)
    n_rows = counts.shape[1]
    accuracy = (runs.correct @ counts.T / n_rows).T[:, index]  # resamples x seeds x sizes
    picks = rng.integers(0, len(seeds), size=(len(counts), len(seeds)))
    picked = np.zeros((len(counts), len(seeds)), dtype=bool)
    np.put_along_axis(picked, picks, True, axis=1)  # a seed drawn twice counts once
    best = np.where(picked[:, :, None], accuracy, -np.inf).max(axis=1)
    return sizes, np.maximum.accumulate(best, axis=1)


def _points_needed(sizes: np.ndarray, curves: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """points_needed for a batch: `curves` resamples x sizes, `levels` resamples x levels."""
    k = (curves[:, None, :] < levels[:, :, None]).sum(axis=2)  # first point at or above
    last = len(sizes) - 1
    lo, hi = np.clip(k - 1, 0, last), np.clip(k, 0, last)
    a0 = np.take_along_axis(curves, lo, axis=1)
    a1 = np.take_along_axis(curves, hi, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(a1 > a0, (levels - a0) / (a1 - a0), 0.0)
    out = sizes[lo] + frac * (sizes[hi] - sizes[lo])
    out = np.where(k == 0, sizes[0], out)
    return np.where(k > last, np.nan, out)


def resample_advantages(
    prompt: RunRows, head: RunRows, levels: int, resamples: int, seed: int, chunk: int = 1000
) -> np.ndarray:
    """The advantage under `resamples` paired draws of test rows and of each method's runs."""
    rng = np.random.default_rng(seed)
    n_rows = prompt.correct.shape[1]
    out = []
    fractions = np.linspace(0, 1, levels + 2)[1:-1]
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        counts = rng.multinomial(n_rows, np.full(n_rows, 1.0 / n_rows), size=size)
        ps, pa = _envelopes(prompt, counts, rng)
        hs, ha = _envelopes(head, counts, rng)
        low = np.maximum(pa[:, 0], ha[:, 0])
        high = np.minimum(pa[:, -1], ha[:, -1])
        grid = low[:, None] + (high - low)[:, None] * fractions[None, :]
        gap = (_points_needed(hs, ha, grid) - _points_needed(ps, pa, grid)).mean(axis=1)
        out.append(np.where(low < high, gap, np.nan))
    return np.concatenate(out)


def paired_bootstrap(
    prompt: RunRows,
    head: RunRows,
    levels: int,
    seed: int = 0,
    start: int = 1000,
    tolerance: float = 1.0,
    confidence: float = 0.95,
) -> dict:
    """Percentile interval of the advantage over paired test-row and run resamples. Starting at
    `start` resamples and doubling, stop when the intervals of bootstrap seeds `seed` and
    `seed + 1` agree within `tolerance` points at both ends (or MAX_RESAMPLES is reached, said
    in `stable`); the interval reported pools both."""
    if prompt.correct.shape[1] != head.correct.shape[1]:
        raise ValueError("the two methods were scored on different test rows")
    resamples = start
    while True:
        a = resample_advantages(prompt, head, levels, resamples, seed)
        b = resample_advantages(prompt, head, levels, resamples, seed + 1)
        (a_low, a_high), (b_low, b_high) = (
            percentile_interval(a, confidence),
            percentile_interval(b, confidence),
        )
        moved = max(abs(a_low - b_low), abs(a_high - b_high))
        stable = bool(moved < tolerance)
        if stable or resamples * 2 > MAX_RESAMPLES or not np.isfinite(moved):
            break
        resamples *= 2
    low, high = percentile_interval(np.concatenate([a, b]), confidence)
    both = np.concatenate([a, b])
    return {
        "low": low,
        "high": high,
        "confidence": confidence,
        "resamples": 2 * resamples,
        "undefined_resamples": int((~np.isfinite(both)).sum()),
        "seed_to_seed_change": float(moved) if np.isfinite(moved) else None,
        "stable": stable,
    }
