"""The data advantage of Le Scao & Rush (2021): the average horizontal gap between two learning
curves, i.e. how many more training points one method needs to match the other's accuracy, and
its error bars.

A method's curve is the best accuracy any of its runs reached at each size, made monotone (the
accuracy reached with at most n points). The gap is averaged over accuracy levels spread evenly
inside the range both curves reach (both ends excluded, as in Le Scao & Rush's code).

Error bars, both over whole runs (a run: one seed's points along the curve):
- the paper's: leave one run of each method out at the same time, for every pair of runs, and
  take the standard deviation of those advantages (np.std, ddof=0, as their code does);
- a percentile bootstrap: resample each method's runs with replacement, recompute.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd


def envelope(runs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Best accuracy per size over runs, then a running maximum along size: the accuracy a method
    reaches with at most n points. `runs` has columns size and accuracy."""
    best = runs.groupby("size")["accuracy"].max().sort_index()
    return best.index.to_numpy(dtype=float), np.maximum.accumulate(best.to_numpy(dtype=float))


def points_needed(sizes: np.ndarray, accuracies: np.ndarray, levels) -> np.ndarray:
    """Fewest points at which the piecewise-linear, non-decreasing curve first reaches each level
    (NaN where it never does)."""
    levels = np.atleast_1d(np.asarray(levels, dtype=float))
    k = np.searchsorted(accuracies, levels, side="left")  # first point at or above the level
    out = np.full(levels.shape, np.nan)
    out[k == 0] = sizes[0]
    inside = (k > 0) & (k < len(sizes))
    lo, hi = k[inside] - 1, k[inside]
    frac = (levels[inside] - accuracies[lo]) / (accuracies[hi] - accuracies[lo])
    out[inside] = sizes[lo] + frac * (sizes[hi] - sizes[lo])
    return out


def accuracy_levels(low: float, high: float, levels: int) -> np.ndarray:
    """`levels` accuracies evenly inside (low, high), both ends excluded."""
    return np.linspace(low, high, levels + 2)[1:-1]


def data_advantage(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int, log_space: bool = False
) -> float:
    """Mean over accuracy levels of (points head needs - points prompt needs), over the accuracy
    range both curves reach. Positive: the prompt saves that many points. NaN if the curves share
    no accuracy range.

    With `log_space`, curves are interpolated in log10(points) and the gap is a log10 ratio:
    10**gap = k reads "the prompt at n points matches the head at k x n points"."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    if log_space:
        ps, hs = np.log10(ps), np.log10(hs)
    low, high = max(pa[0], ha[0]), min(pa[-1], ha[-1])
    if not low < high:
        return float("nan")
    grid = accuracy_levels(low, high, levels)
    return float(np.mean(points_needed(hs, ha, grid) - points_needed(ps, pa, grid)))


# Enumerate the runs bootstrap's draws instead of sampling them up to this many (3 seeds a
# method: 27 x 27 = 729; 4 and 4: 65,536 would be sampled).
EXACT_DRAWS = 10_000


def _runs(frame: pd.DataFrame) -> list:
    return sorted(frame["seed"].unique().tolist())


def leave_one_run_out(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int, log_space: bool = False
) -> dict:
    """Le Scao & Rush's error bar: for every pair (a prompt run, a head run), the advantage with
    both left out; the std (ddof=0) of those that are defined. A pair whose removal leaves the
    curves without a shared accuracy range (or a method without runs) is listed as undefined and
    left out of the std; with no defined pair the std is NaN (reported as null)."""
    pairs = []
    for p_seed, h_seed in itertools.product(_runs(prompt_runs), _runs(head_runs)):
        p_rest = prompt_runs[prompt_runs["seed"] != p_seed]
        h_rest = head_runs[head_runs["seed"] != h_seed]
        value = (
            data_advantage(p_rest, h_rest, levels, log_space)
            if len(p_rest) and len(h_rest)
            else float("nan")
        )
        pairs.append({"left_out": [int(p_seed), int(h_seed)], "advantage": value})
    defined = np.array([p["advantage"] for p in pairs if np.isfinite(p["advantage"])])
    return {
        "std": float(defined.std()) if len(defined) else float("nan"),
        "pairs": pairs,
        "undefined_pairs": int(len(pairs) - len(defined)),
    }


def bootstrap_interval(
    prompt_runs: pd.DataFrame,
    head_runs: pd.DataFrame,
    levels: int,
    resamples: int,
    seed: int,
    log_space: bool = False,
    confidence: float = 0.95,
    statistic: Callable[[pd.DataFrame, pd.DataFrame, int], float] | None = None,
) -> dict:
    """Percentile bootstrap over runs: draw each method's runs with replacement (as many as it
    has), recompute the advantage, take the central `confidence` interval of the defined draws.
    `statistic(prompt_runs, head_runs, levels)` replaces the advantage (e.g. the capped bound,
    prompt_range_advantage); `capped_share` is then the share of draws whose baseline stops
    below the prompt's best.
    A method with a single run gives no interval (NaN, resamples 0): resampling one run only
    redraws it, and a zero-width interval would claim a certainty one run cannot give.

    When the equally likely draws are few (n_p**n_p x n_h**n_h <= EXACT_DRAWS: 729 for 3 seeds
    each), every one is enumerated instead of sampling (`method` "exact", `resamples` the number
    of draws): the interval is then the bootstrap's own, with no Monte Carlo error and no seed."""
    p_seeds, h_seeds = _runs(prompt_runs), _runs(head_runs)
    if min(len(p_seeds), len(h_seeds)) < 2:
        nan = float("nan")
        return {"low": nan, "high": nan, "confidence": confidence, "resamples": 0,
                "undefined_resamples": 0, "method": "none", "capped_share": None}  # fmt: skip
    exact = len(p_seeds) ** len(p_seeds) * len(h_seeds) ** len(h_seeds) <= EXACT_DRAWS
    if exact:
        picks = itertools.product(
            itertools.product(p_seeds, repeat=len(p_seeds)),
            itertools.product(h_seeds, repeat=len(h_seeds)),
        )
    else:
        rng = np.random.default_rng(seed)
        picks = (
            (rng.choice(p_seeds, size=len(p_seeds)).tolist(),
             rng.choice(h_seeds, size=len(h_seeds)).tolist())
            for _ in range(resamples)
        )  # fmt: skip
    cache: dict = {}

    def advantage_of(p_pick, h_pick) -> tuple[float, bool]:
        # The envelope takes the best run per size: a run drawn twice counts once, so a draw is
        # its set of runs (computed once per set).
        key = (frozenset(p_pick), frozenset(h_pick))
        if key not in cache:
            p_drawn = prompt_runs[prompt_runs["seed"].isin(key[0])]
            h_drawn = head_runs[head_runs["seed"].isin(key[1])]
            value = (
                statistic(p_drawn, h_drawn, levels)
                if statistic
                else data_advantage(p_drawn, h_drawn, levels, log_space)
            )
            cache[key] = (value, baseline_capped(p_drawn, h_drawn))
        return cache[key]

    drawn = [advantage_of(p, h) for p, h in picks]
    values = np.array([value for value, _ in drawn])
    defined = values[np.isfinite(values)]
    low, high = percentile_interval(values, confidence)
    return {
        "low": float(low),
        "high": float(high),
        "confidence": confidence,
        "resamples": int(len(values)),
        "undefined_resamples": int(len(values) - len(defined)),
        "method": "exact" if exact else "random",
        "capped_share": round(float(np.mean([capped for _, capped in drawn])), 4),
    }


def baseline_capped(prompt_runs: pd.DataFrame, head_runs: pd.DataFrame) -> bool:
    """Whether the baseline's best run stops below the prompt's best: the shared accuracy range
    then leaves out the prompt's top, and the advantage over it is a bound."""
    return bool(envelope(head_runs)[1][-1] < envelope(prompt_runs)[1][-1])


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central `confidence` interval of the defined (finite) values; NaN, NaN if none."""
    defined = np.asarray(values, dtype=float)
    defined = defined[np.isfinite(defined)]
    if not len(defined):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)


def seed_mean_envelope(runs: pd.DataFrame) -> pd.DataFrame:
    """The seed-mean curve as a one-run frame: mean accuracy over seeds at each size. The paper's
    envelope takes the best run per size, which favours the noisier method; this reading does
    not."""
    mean = runs.groupby("size", as_index=False)["accuracy"].mean()
    return mean.assign(seed=0)
