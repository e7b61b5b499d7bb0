"""The comparisons the report makes and their statistics: the data advantage of each pair (the
method table says which), with the paired leave-one-run-out std, a bootstrap interval and a
bound where the curves do not overlap; and the spread across patterns."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from promptworth.analysis.advantage import (
    bootstrap_interval,
    data_advantage,
    leave_one_run_out,
    seed_mean_envelope,
)
from promptworth.analysis.bounds import advantage_bound, prompt_range_advantage, truncation
from promptworth.analysis.uncertainty import RunRows, paired_bootstrap
from promptworth.config.methods import comparison_pairs


def advantage_of(
    p_runs: pd.DataFrame,
    b_runs: pd.DataFrame,
    levels: int,
    boot: tuple,
    rows: tuple[RunRows, RunRows] | None = None,
    progress: Callable[[str], None] | None = None,
    pool: int | None = None,
) -> dict:
    """One comparison: the advantage with Le Scao & Rush's leave-one-run-out std (every pair of
    left-out runs named), a percentile bootstrap interval over runs and, with `rows` (each
    method's correctness on the shared test rows), one over test rows and runs together; the
    seed-mean-curve advantage beside the paper's best-run envelope; what the grid's end leaves
    out (`truncation`); a bound where the curves share no accuracy range; and the same in log
    space (k in "n points match k x n"). `progress` hears the row bootstrap's doublings."""
    value = data_advantage(p_runs, b_runs, levels)
    seed_mean = data_advantage(seed_mean_envelope(p_runs), seed_mean_envelope(b_runs), levels)
    row_boot = paired_bootstrap(*rows, levels, seed=boot[1], progress=progress) if rows else None
    loo = leave_one_run_out(p_runs, b_runs, levels)
    log = data_advantage(p_runs, b_runs, levels, log_space=True)
    log_loo = leave_one_run_out(p_runs, b_runs, levels, log_space=True)
    interval = bootstrap_interval(p_runs, b_runs, levels, *boot)
    # An undefined advantage (the curves share no range: a bound instead) has no spread: the
    # left-out pairs and draws that happen to overlap would describe another quantity.
    defined = value == value
    cut = truncation(p_runs, b_runs, levels, pool) if defined else None
    return {
        "advantage": finite(value),
        "loo_std": finite(loo["std"]) if defined else None,
        "bootstrap": {
            "low": finite(interval["low"]) if defined else None,
            "high": finite(interval["high"]) if defined else None,
            "confidence": interval["confidence"],
            "resamples": interval["resamples"],
            "undefined_resamples": interval["undefined_resamples"],
            "method": interval["method"],
        },
        "bootstrap_rows": (
            {k: finite(v) if isinstance(v, float) else v for k, v in row_boot.items()}
            if row_boot
            else None
        ),
        "seed_mean_advantage": finite(seed_mean),
        "truncation": cut,
        "bound_uncertainty": (
            bound_uncertainty(p_runs, b_runs, levels, boot, rows, progress)
            if cut and "at_least" in cut
            else None
        ),
        "bound": advantage_bound(p_runs, b_runs, pool) if not defined else None,
        "runs": [int(p_runs["seed"].nunique()), int(b_runs["seed"].nunique())],
        "leave_one_run_out": [
            {"left_out": pair["left_out"], "advantage": finite(pair["advantage"])}
            for pair in loo["pairs"]
        ],
        "loo_undefined": loo["undefined_pairs"],
        "log10_ratio": finite(log),
        "log10_ratio_loo_std": finite(log_loo["std"]) if log == log else None,
        "ratio": finite(10**log),
    }


def bound_uncertainty(
    p_runs: pd.DataFrame,
    b_runs: pd.DataFrame,
    levels: int,
    boot: tuple,
    rows: tuple[RunRows, RunRows] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The capped bound's own uncertainty ("at least N points" over the prompt's whole range,
    bounds.prompt_range_advantage): its percentile interval over runs (enumerated exactly
    when the draws are few) and, with `rows`, over test rows and runs together; each with the
    share of draws in which the baseline stops below the prompt's best (in the others the
    figure is the advantage itself, not a bound)."""
    runs = bootstrap_interval(p_runs, b_runs, levels, *boot, statistic=prompt_range_advantage)
    drawn = (
        paired_bootstrap(*rows, levels, seed=boot[1], progress=progress, reading="prompt_range")
        if rows
        else None
    )
    shared = ("low", "high", "confidence", "resamples", "capped_share")
    return {
        "runs": _fields(runs, (*shared, "method")),
        "rows": _fields(drawn, (*shared, "stable")) if drawn else None,
    }


def _fields(interval: dict, keys: tuple[str, ...]) -> dict:
    """The named fields of an interval record, its ends JSON-safe (finite)."""
    return {k: finite(interval[k]) if k in ("low", "high") else interval[k] for k in keys}


def advantages(
    curves: pd.DataFrame,
    levels: int,
    resamples: int = 1000,
    seed: int = 0,
    rows: dict[str, RunRows] | None = None,
    row_pairs: set[str] | None = None,
    progress: Callable[[str], None] | None = None,
    pool: int | None = None,
) -> dict[str, dict]:
    """The data advantage of each pair in `comparisons`, on the main pattern's runs (`curves`
    holds only those): see advantage_of. `rows`: each series' test-row correctness, for the
    bootstrap over test rows and runs, made for the comparisons named in `row_pairs` (the
    headline: it resamples until stable, tens of thousands of times). `pool`: the training rows
    the sizes are drawn from, the largest size a capped comparison can ask for next."""
    by_series = {name: g.reset_index(drop=True) for name, g in curves.groupby("series")}
    rows, row_pairs = rows or {}, row_pairs or set()

    def paired_rows(p: str, b: str):
        wanted = f"{p} vs {b}" in row_pairs and p in rows and b in rows
        return (rows[p], rows[b]) if wanted else None

    return {
        f"{p} vs {b}": advantage_of(
            by_series[p],
            by_series[b],
            levels,
            (resamples, seed),
            paired_rows(p, b),
            progress,
            pool,
        )
        for p, b in comparison_pairs(list(by_series))
    }


def pattern_spread(curves: pd.DataFrame, main_pattern: str | None) -> dict:
    """For each series and size run under several patterns: each pattern's mean accuracy over
    its seeds, the std across those pattern means and, beside it, the std across seeds of the
    main pattern (both ddof=1); the two spreads say whether the choice of pattern matters more
    than luck."""
    out: dict = {}
    for (series, size), g in curves.groupby(["series", "size"], sort=True):
        means = g.groupby("pattern", sort=False)["accuracy"].mean()
        if len(means) < 2:
            continue
        main = g[g["pattern"] == main_pattern]["accuracy"]
        out.setdefault(series, {})[str(size)] = {
            "by_pattern": {k: round(float(v), 4) for k, v in means.items()},
            "pattern_std": round(float(means.std(ddof=1)), 4),
            "main_seed_std": round(float(main.std(ddof=1)), 4) if len(main) > 1 else None,
            "main_seeds": int(len(main)),
        }
    return out


def finite(value: float) -> float | None:
    """JSON-safe number: NaN (curves that never overlap) becomes null."""
    return None if value != value else round(float(value), 3)
