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
) -> dict:
    """Percentile bootstrap over runs: draw each method's runs with replacement (as many as it
    has), recompute the advantage, take the central `confidence` interval of the defined draws.
    A method with a single run gives no interval (NaN, resamples 0): resampling one run only
    redraws it, and a zero-width interval would claim a certainty one run cannot give.

    When the equally likely draws are few (n_p**n_p x n_h**n_h <= EXACT_DRAWS: 729 for 3 seeds
    each), every one is enumerated instead of sampling (`method` "exact", `resamples` the number
    of draws): the interval is then the bootstrap's own, with no Monte Carlo error and no seed."""
    p_seeds, h_seeds = _runs(prompt_runs), _runs(head_runs)
    if min(len(p_seeds), len(h_seeds)) < 2:
        nan = float("nan")
        return {"low": nan, "high": nan, "confidence": confidence, "resamples": 0,
                "undefined_resamples": 0, "method": "none"}  # fmt: skip
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

    def advantage_of(p_pick, h_pick) -> float:
        # The envelope takes the best run per size: a run drawn twice counts once, so a draw is
        # its set of runs (computed once per set).
        key = (frozenset(p_pick), frozenset(h_pick))
        if key not in cache:
            cache[key] = data_advantage(
                prompt_runs[prompt_runs["seed"].isin(key[0])],
                head_runs[head_runs["seed"].isin(key[1])],
                levels,
                log_space,
            )
        return cache[key]

    values = np.array([advantage_of(p, h) for p, h in picks])
    defined = values[np.isfinite(values)]
    low, high = percentile_interval(values, confidence)
    return {
        "low": float(low),
        "high": float(high),
        "confidence": confidence,
        "resamples": int(len(values)),
        "undefined_resamples": int(len(values) - len(defined)),
        "method": "exact" if exact else "random",
    }


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central `confidence` interval of the defined (finite) values; NaN, NaN if none."""
    defined = np.asarray(values, dtype=float)
    defined = defined[np.isfinite(defined)]
    if not len(defined):
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)


def advantage_bound(prompt_runs: pd.DataFrame, head_runs: pd.DataFrame) -> dict | None:
    """What can be said when the curves share no accuracy range. If the prompt's worst point
    (its smallest size) is at least the head's best, the head never catches up within its sizes:
    the prompt is worth at least (the size where the head first reaches the prompt's smallest-
    size accuracy, if it ever does, else the head's largest size - the prompt's smallest size)
    points. The mirror case (the head's smallest size already matches the prompt's best) bounds
    it from above by (head's smallest size - the size where the prompt first reaches it, else
    its largest), zero or negative. None when the curves do overlap."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    if pa[0] >= ha[-1]:
        # A head that ties the prompt's first point does so first at some size, maybe well
        # below its largest (the envelope is flat after): that size is what it needs.
        reached = points_needed(hs, ha, pa[0])[0]
        return {"at_least": float((reached if np.isfinite(reached) else hs[-1]) - ps[0])}
    if ha[0] >= pa[-1]:
        reached = points_needed(ps, pa, ha[0])[0]
        needs = reached if np.isfinite(reached) else ps[-1]
        return {"at_most": float(hs[0] - needs) + 0.0}  # + 0.0: never "-0"
    return None


# Sizes a grid grows by (1-2-5 per decade): what the report names as the next size to run.
LADDER = (1, 2, 5)


def next_size(largest: float) -> int:
    """The next size of the 1-2-5 ladder above `largest` (200 -> 500, 500 -> 1000)."""
    decade = 10 ** int(np.floor(np.log10(largest)))
    candidates = [decade * scale * b for scale in (1, 10) for b in LADDER]
    return int(next(c for c in candidates if c > largest))


def truncation(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int, pool: int | None = None
) -> dict | None:
    """What the grid's end hides, when the curves overlap but one stops below the other's best.

    The advantage averages over the accuracy range both curves reach. If the baseline's best
    (at its largest size) is below the prompt's best, the levels between them are left out:
    there the baseline needs more than its largest size, so counting it at its largest size gives
    a lower bound of the advantage over the prompt's whole range (`at_least`); the mirror case
    (the prompt stops below the baseline's best) gives an upper bound (`at_most`). None when
    neither curve stops short (the shared range is each curve's whole range above the other's
    start) or when the curves share no range (advantage_bound covers that).

    `next_size` is what to run next: the next size of the 1-2-5 ladder, but never more than the
    training `pool` (then `next_is_pool`); None when the capped curve already had the whole pool
    (the answer is more than the pool holds)."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    low = max(pa[0], ha[0])
    if not low < min(pa[-1], ha[-1]) or pa[-1] == ha[-1]:
        return None
    top = max(pa[-1], ha[-1])
    grid = accuracy_levels(low, top, levels)
    head_needs = points_needed(hs, ha, grid)
    prompt_needs = points_needed(ps, pa, grid)
    if ha[-1] < pa[-1]:  # the baseline stops short: it needs more than hs[-1] above ha[-1]
        gap = np.where(np.isnan(head_needs), hs[-1], head_needs) - prompt_needs
        side, largest = "at_least", hs[-1]
    else:  # the prompt stops short
        gap = head_needs - np.where(np.isnan(prompt_needs), ps[-1], prompt_needs)
        side, largest = "at_most", ps[-1]
    return {
        side: round(float(np.mean(gap)), 3) + 0.0,
        "capped_by": "baseline" if side == "at_least" else "prompt",
        "left_out": [round(float(min(pa[-1], ha[-1])), 4), round(float(top), 4)],
        "left_out_share": round(float((top - min(pa[-1], ha[-1])) / (top - low)), 3),
        "largest_size": int(largest),
        **_next(largest, pool),
    }


def _next(largest: float, pool: int | None) -> dict:
    """What the protocol can run next above `largest`: the ladder's next size, or the pool."""
    if pool is not None and largest >= pool:
        return {"next_size": None, "pool": int(pool)}
    following = next_size(largest)
    if pool is not None and following > pool:
        return {"next_size": int(pool), "pool": int(pool), "next_is_pool": True}
    return {"next_size": following, **({"pool": int(pool)} if pool is not None else {})}


def next_step_text(cut: dict) -> str:
    """How the report says what would decide a capped comparison."""
    if cut["next_size"] is None:
        return (f"the capped side already had the whole training pool ({cut['pool']:,} points): "
                "the answer is more than the pool holds")  # fmt: skip
    if cut.get("next_is_pool"):
        return f"the whole pool ({cut['next_size']:,} points) is the largest size left to try"
    return f"{cut['next_size']:,} points would decide it"


def seed_mean_envelope(runs: pd.DataFrame) -> pd.DataFrame:
    """The seed-mean curve as a one-run frame: mean accuracy over seeds at each size. The paper's
    envelope takes the best run per size, which favours the noisier method; this reading does
    not."""
    mean = runs.groupby("size", as_index=False)["accuracy"].mean()
    return mean.assign(seed=0)
