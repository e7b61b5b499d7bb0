"""Uncertainty that includes the test rows: a paired bootstrap over test rows and seed runs.

Each resample draws the test rows with replacement (the same rows for both methods: a paired
design, so a row both get right or wrong moves neither) and each method's runs with replacement,
recomputes every run's accuracy on those rows, and the data advantage from them. Test-row
sampling error (about +-0.012 at 1,000 rows) is as large as the gaps the advantage is built
from, so an interval over runs alone is too narrow.

With millions of row draws no enumeration is possible; the resamples grow (doubling) until two
bootstrap seeds give intervals within `tolerance` points of each other, so the interval is a
property of the runs, not of the bootstrap's seed. Each doubling adds draws to the ones already
made (the first n draws of a seed are the same at any total), so reaching n costs n draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from promptworth.analysis.advantage import percentile_interval

# Per bootstrap seed. The interval's ends move with the percentile's Monte Carlo error, which
# grows with the interval's width: AG News on SmolLM2 at 10..2,000 points (an interval ~365
# points wide) needed 128,000 per seed for its two seeds to agree within a point. About 6,000
# draws/s on 2 cores at 24 runs x 1,000 rows, so the cap bounds the report at ~6 min.
MAX_RESAMPLES = 1_024_000
CHUNK = 1000  # draws per batch: memory is CHUNK x accuracy levels


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


# What a draw computes: the data advantage over the shared accuracy range ("shared"), or over
# the prompt's whole range with the baseline counted at its largest size where it never gets
# ("prompt_range": the capped bound's "at least N", bounds.prompt_range_advantage).
READINGS = ("shared", "prompt_range")


class _AdvantageDraws:
    """Paired draws of test rows and runs from one bootstrap seed, made in batches: the k-th
    batch is the same however many batches come after it. `capped` collects, per batch, which
    draws have the baseline's best below the prompt's best."""

    def __init__(
        self, prompt: RunRows, head: RunRows, levels: int, seed: int, reading: str = "shared"
    ) -> None:
        if reading not in READINGS:
            raise ValueError(f"reading must be one of {READINGS}, got {reading!r}")
        self.prompt, self.head, self.reading = prompt, head, reading
        self.rng = np.random.default_rng(seed)
        self.fractions = np.linspace(0, 1, levels + 2)[1:-1]
        self.capped: list[np.ndarray] = []

    def draw(self, size: int) -> np.ndarray:
        n_rows = self.prompt.correct.shape[1]
        counts = self.rng.multinomial(n_rows, np.full(n_rows, 1.0 / n_rows), size=size)
        ps, pa = _envelopes(self.prompt, counts, self.rng)
        hs, ha = _envelopes(self.head, counts, self.rng)
        self.capped.append(ha[:, -1] < pa[:, -1])
        low = np.maximum(pa[:, 0], ha[:, 0])
        high = np.minimum(pa[:, -1], ha[:, -1]) if self.reading == "shared" else pa[:, -1]
        grid = low[:, None] + (high - low)[:, None] * self.fractions[None, :]
        head_needs = _points_needed(hs, ha, grid)
        if self.reading == "prompt_range":
            head_needs = np.where(np.isnan(head_needs), hs[-1], head_needs)
        gap = (head_needs - _points_needed(ps, pa, grid)).mean(axis=1)
        return np.where(low < high, gap, np.nan)

    def take(self, total: int, chunk: int, have: int = 0) -> list[np.ndarray]:
        """Batches of at most `chunk` draws from `have` up to `total` (memory: chunk x levels)."""
        return [self.draw(min(chunk, total - at)) for at in range(have, total, chunk)]


def resample_advantages(
    prompt: RunRows, head: RunRows, levels: int, resamples: int, seed: int, chunk: int = CHUNK
) -> np.ndarray:
    """The advantage under `resamples` paired draws of test rows and of each method's runs."""
    return np.concatenate(_AdvantageDraws(prompt, head, levels, seed).take(resamples, chunk))


def paired_bootstrap(
    prompt: RunRows,
    head: RunRows,
    levels: int,
    seed: int = 0,
    start: int = 1000,
    tolerance: float = 1.0,
    confidence: float = 0.95,
    progress: Callable[[str], None] | None = None,
    reading: str = "shared",
) -> dict:
    """Percentile interval of the advantage over paired test-row and run resamples. Starting at
    `start` resamples and doubling, stop when the intervals of bootstrap seeds `seed` and
    `seed + 1` agree within `tolerance` points at both ends (or MAX_RESAMPLES is reached, said
    in `stable`); the interval reported pools both. `progress` hears one line per doubling.
    `reading` (READINGS): the advantage, or the capped bound over the prompt's whole range;
    `capped_share` is the share of draws whose baseline stops below the prompt's best."""
    if prompt.correct.shape[1] != head.correct.shape[1]:
        raise ValueError("the two methods were scored on different test rows")
    seeds = (
        _AdvantageDraws(prompt, head, levels, seed, reading),
        _AdvantageDraws(prompt, head, levels, seed + 1, reading),
    )
    drawn: tuple[list, list] = ([], [])
    have, resamples = 0, start
    while True:
        for draws, batches in zip(seeds, drawn, strict=True):
            batches.extend(draws.take(resamples, CHUNK, have))
        have = resamples
        a, b = np.concatenate(drawn[0]), np.concatenate(drawn[1])
        (a_low, a_high), (b_low, b_high) = (
            percentile_interval(a, confidence),
            percentile_interval(b, confidence),
        )
        moved = max(abs(a_low - b_low), abs(a_high - b_high))
        stable = bool(moved < tolerance)
        if progress:
            progress(
                f"test-row bootstrap{'' if reading == 'shared' else ' (bound)'}: "
                f"{resamples:,} draws per seed, ends moved {moved:.2f} points"
                if np.isfinite(moved)
                else f"test-row bootstrap: {resamples:,} draws per seed; an end is undefined "
                "(a curve does not reach the level in some draws), no interval"
            )
        if stable or resamples * 2 > MAX_RESAMPLES or not np.isfinite(moved):
            break
        resamples *= 2
    both = np.concatenate([a, b])
    low, high = percentile_interval(both, confidence)
    return {
        "low": low,
        "high": high,
        "confidence": confidence,
        "resamples": 2 * resamples,
        "undefined_resamples": int((~np.isfinite(both)).sum()),
        "seed_to_seed_change": float(moved) if np.isfinite(moved) else None,
        "stable": stable,
        "capped_share": round(
            float(np.concatenate([c for d in seeds for c in d.capped]).mean()), 4
        ),
    }
