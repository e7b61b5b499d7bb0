"""Aggregate every run of the grid into the summary metrics, the curves table and the report.

metrics/summary.json and metrics/curves.csv hold only what the same inputs reproduce exactly
(scores, steps, tokens), so `dvc metrics diff` between two identical runs is empty; wall time and
memory go to reports/cost.csv and the report's cost table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .advantage import (
    advantage_bound,
    bootstrap_interval,
    data_advantage,
    leave_one_run_out,
)
from .io import read_json
from .methods import METHODS, Run

CURVE_COLUMNS = [
    "series",
    "method",
    "pattern",
    "reading",
    "size",
    "seed",
    "accuracy",
    "macro_f1",
    "none_rate",
    "n",
    "dev_rows",  # labelled dev rows the run's choices read (early stopping, learning rate)
    "labelled_rows",  # the point's labelled budget: training rows + dev_rows
]
# What each run cost: deterministic counts (train.json, metrics.json) and measured ones (logs).
COUNT_COLUMNS = [
    "trainable_parameters",
    "train_steps",
    "chosen_step",
    "train_tokens",
    "eval_tokens",
]
MEASURED_COLUMNS = [
    "train_seconds",
    "train_peak_memory_mib",
    "eval_seconds",
    "eval_peak_memory_mib",
]
COST_COLUMNS = COUNT_COLUMNS + MEASURED_COLUMNS


def collect_runs(eval_dir: str | Path, runs: Iterable[Run], runs_dir: Path) -> pd.DataFrame:
    """One row per run and reading, for exactly the runs the grid asks for (folders of earlier
    experiments are ignored; a missing run is an error naming it). icl_zero, which uses no
    training data, sits at size 0."""
    rows = []
    for run in runs:
        scores = read_json(Path(eval_dir) / run.name / "metrics.json")
        trained = read_json(runs_dir / run.name / "train.json") if run.spec.is_trained else {}
        dev_rows = trained.get("dev_rows_used", 0)
        for reading, s in scores["readings"].items():
            rows.append(
                {
                    "series": f"{run.method}/{reading}",
                    "method": run.method,
                    "pattern": run.pattern or "",
                    "reading": reading,
                    "size": run.training_points,
                    "seed": -1 if run.seed is None else run.seed,
                    "accuracy": s["accuracy"],
                    "macro_f1": s["macro_f1"],
                    "none_rate": s["none_rate"],
                    "n": s["n"],
                    "dev_rows": dev_rows,
                    "labelled_rows": run.training_points + dev_rows,
                }
            )
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def collect_cost(runs: Iterable[Run], runs_dir: Path, eval_dir: Path, train_logs: Path):
    """One row per run: its counts (reproducible) and its wall time and memory (measured)."""
    rows = []
    for run in runs:
        trained = read_json(runs_dir / run.name / "train.json") if run.spec.is_trained else {}
        train_log = train_logs / run.name / "cost.json"
        train_cost = read_json(train_log) if run.spec.is_trained else {}
        eval_cost = read_json(eval_dir / run.name / "cost.json")
        scores = read_json(eval_dir / run.name / "metrics.json")
        rows.append(
            {
                "method": run.method,
                "pattern": run.pattern or "",
                "size": run.training_points,
                "seed": -1 if run.seed is None else run.seed,
                "trainable_parameters": trained.get("trainable_parameters", 0),
                "train_steps": trained.get("steps", 0),
                "chosen_step": trained.get("chosen_step", 0),
                "epochs_kept": trained.get("epochs_at_chosen_step", 0.0),
                "train_tokens": trained.get("train_tokens", 0),
                "eval_tokens": scores.get("eval_tokens"),
                "train_seconds": train_cost.get("train_seconds", 0.0),
                "train_peak_memory_mib": train_cost.get("peak_memory_mib"),
                "eval_seconds": eval_cost.get("eval_seconds"),
                "eval_peak_memory_mib": eval_cost.get("peak_memory_mib"),
            }
        )
    return pd.DataFrame(rows, columns=["method", "pattern", "size", "seed", *COST_COLUMNS])


def main_pattern_rows(curves: pd.DataFrame, main_pattern: str | None) -> pd.DataFrame:
    """Heads (no pattern) and every other run under the main pattern: what curves and
    advantages use."""
    keep = (curves["pattern"] == "") | (curves["pattern"] == (main_pattern or ""))
    return curves[keep].reset_index(drop=True)


def summarise(curves: pd.DataFrame) -> dict:
    """Mean and sample std (ddof=1) over seeds of accuracy, macro-F1 and none-rate per series
    and size; a cell of one seed has no std (null), not a spread of 0."""
    out: dict = {}
    for (series, size), g in curves.groupby(["series", "size"], sort=True):
        out.setdefault(series, {})[str(size)] = {
            "accuracy_mean": round(float(g["accuracy"].mean()), 4),
            "accuracy_std": round(float(g["accuracy"].std(ddof=1)), 4) if len(g) > 1 else None,
            "macro_f1_mean": round(float(g["macro_f1"].mean()), 4),
            "none_rate_mean": round(float(g["none_rate"].mean()), 4),
            "seeds": int(len(g)),
        }
    return out


def summarise_cost(cost: pd.DataFrame) -> pd.DataFrame:
    """Mean cost per method, pattern and size over its seeds."""
    return cost.groupby(["method", "pattern", "size"], sort=True)[COST_COLUMNS].mean().reset_index()


def comparisons(series: Sequence[str]) -> list[tuple[str, str]]:
    """(prompt side, baseline side) pairs of the data-advantage table, from the method table:
    every reading of a prompt-side method against each baseline's, and each control against the
    prompt method that trains as it does, reading for reading."""
    present = set(series)

    def role(s: str) -> str:
        return METHODS[s.split("/")[0]].role

    baselines = sorted(s for s in present if role(s) == "baseline")
    prompt_side = sorted(s for s in present if role(s) == "prompt")
    pairs = [(p, b) for p in prompt_side for b in baselines]
    for control in sorted(s for s in present if role(s) == "control"):
        method, reading = control.split("/", 1)
        spec = METHODS[method]
        for twin in (m for m in METHODS.values() if m.role == "prompt" and m.trains == spec.trains):
            if f"{twin.name}/{reading}" in present:
                pairs.append((f"{twin.name}/{reading}", control))
    return pairs


def advantage_of(p_runs: pd.DataFrame, b_runs: pd.DataFrame, levels: int, boot: tuple) -> dict:
    """One comparison: the advantage with Le Scao & Rush's leave-one-run-out std (every pair of
    left-out runs named), a percentile bootstrap interval over runs, a bound where the curves
    share no accuracy range, and the same in log space (k in "n points match k x n")."""
    value = data_advantage(p_runs, b_runs, levels)
    loo = leave_one_run_out(p_runs, b_runs, levels)
    log = data_advantage(p_runs, b_runs, levels, log_space=True)
    log_loo = leave_one_run_out(p_runs, b_runs, levels, log_space=True)
    interval = bootstrap_interval(p_runs, b_runs, levels, *boot)
    return {
        "advantage": _finite(value),
        "loo_std": _finite(loo["std"]),
        "bootstrap": {
            "low": _finite(interval["low"]),
            "high": _finite(interval["high"]),
            "confidence": interval["confidence"],
            "resamples": interval["resamples"],
            "undefined_resamples": interval["undefined_resamples"],
        },
        "bound": advantage_bound(p_runs, b_runs) if value != value else None,
        "runs": [int(p_runs["seed"].nunique()), int(b_runs["seed"].nunique())],
        "leave_one_run_out": [
            {"left_out": pair["left_out"], "advantage": _finite(pair["advantage"])}
            for pair in loo["pairs"]
        ],
        "loo_undefined": loo["undefined_pairs"],
        "log10_ratio": _finite(log),
        "log10_ratio_loo_std": _finite(log_loo["std"]),
        "ratio": _finite(10**log),
    }


def advantages(
    curves: pd.DataFrame, levels: int, resamples: int = 1000, seed: int = 0
) -> dict[str, dict]:
    """The data advantage of each pair in `comparisons`, on the main pattern's runs (`curves`
    holds only those): see advantage_of."""
    by_series = {name: g.reset_index(drop=True) for name, g in curves.groupby("series")}
    return {
        f"{p} vs {b}": advantage_of(by_series[p], by_series[b], levels, (resamples, seed))
        for p, b in comparisons(list(by_series))
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


def _finite(value: float) -> float | None:
    """JSON-safe number: NaN (curves that never overlap) becomes null."""
    return None if value != value else round(float(value), 3)


def format_cell(cell: dict | None) -> str:
    """`0.769 +- 0.020 (3 seeds)`; one seed has no spread to show: `0.859 (1 seed)`."""
    if cell is None:
        return ""
    text = f"{cell['accuracy_mean']:.3f}"
    if cell["accuracy_std"] is not None:
        text += f" +- {cell['accuracy_std']:.3f}"
    text += f" ({cell['seeds']} seed{'s' if cell['seeds'] != 1 else ''})"
    if cell["none_rate_mean"] > 0:
        text += f" [{cell['none_rate_mean']:.2f}]"
    return text


def advantage_text(res: dict | None) -> str:
    """`354.3 points +- 214.4 (leave one run out), 95% bootstrap [62, 640]`, or the bound."""
    if res is None:
        return "not computed: the grid lacks one of the two methods"
    if res["advantage"] is None:
        bound = res.get("bound") or {}
        if "at_least" in bound:
            return (
                f"at least {bound['at_least']:.0f} points: the prompt's smallest size already "
                "matches the baseline's best run (the curves share no accuracy range)"
            )
        if "at_most" in bound:
            return (
                f"at most {bound['at_most']:.0f} points: the baseline's smallest size already "
                "matches this method's best run (the curves share no accuracy range)"
            )
        return "undefined: the two curves share no accuracy range"
    text = f"{res['advantage']:.1f} points"
    if res["loo_std"] is not None:
        text += f" +- {res['loo_std']:.1f} (leave one run out)"
    boot = res.get("bootstrap") or {}
    if boot.get("low") is not None:
        text += (
            f", {boot['confidence']:.0%} bootstrap interval [{boot['low']:.0f}, {boot['high']:.0f}]"
        )
    elif min(res.get("runs") or [2]) < 2:
        text += " (one run of a method: no error bar; more seeds give one)"
    return text


def labelled_budget(curves: pd.DataFrame) -> pd.DataFrame:
    """Per method and size: training rows, dev rows its choices read, and their sum."""
    runs = curves.drop_duplicates(["method", "size", "seed"])
    return (
        runs.groupby(["method", "size"], sort=True)[["dev_rows", "labelled_rows"]]
        .max()
        .reset_index()
    )


def render_markdown(
    summary: dict,
    advantage: dict,
    headline: str,
    n_test: int,
    cost: pd.DataFrame | None = None,
    spread: dict | None = None,
    budget: pd.DataFrame | None = None,
) -> str:
    """The human report: accuracy table (mean +- std over seeds) and the data advantages."""
    sizes = sorted({int(s) for series in summary.values() for s in series})
    lines = [
        "# promptworth report",
        "",
        f"Test accuracy on {n_test} held-out rows, mean +- sample std (ddof=1) over seeds, with",
        "the number of seeds per cell; a cell of one seed shows no spread. Main pattern (heads",
        "read none); none-rate in brackets where a verbaliser left generations unmapped. Size 0:",
        "icl_zero, which uses no training data.",
        "",
        "| method/reading | " + " | ".join(str(s) for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for series, by_size in summary.items():
        cells = [format_cell(by_size.get(str(s))) for s in sizes]
        lines.append(f"| {series} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Data advantage",
        "",
        "Average horizontal gap between the curves over the accuracy range both reach (Le Scao &",
        "Rush 2021): how many more training points the baseline (right of 'vs') needs to match",
        "the prompt side. Each curve is the best run per size, made monotone; the gap is averaged",
        "over accuracy levels spread inside the shared range (both ends excluded). Negative: the",
        "baseline needs fewer. Error bars over whole runs (a run: one seed's points): +- is Le",
        "Scao & Rush's leave-one-run-out std (one run of each method left out at the same time,",
        "every pair, np.std with ddof=0; the pairs are named in metrics/summary.json), and a",
        "percentile bootstrap interval (each method's runs resampled with replacement). Where the",
        "curves share no accuracy range the advantage is undefined; a bound is given instead.",
        "",
        f"Headline: **{headline}**: " + advantage_text(advantage.get(headline)) + ".",
        "",
        "In log space: the prompt at n points matches the head at k x n points (k averaged as",
        "log10 k over the same accuracy levels; +- is the leave-one-run-out std of log10 k).",
        "",
        "| comparison | points saved | +- LOO std | 95% bootstrap | runs | k (log space) "
        "| +- LOO std of log10 k |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, res in advantage.items():
        mark = "**" if name == headline else ""
        boot = res.get("bootstrap") or {}
        saved = "" if res["advantage"] is None else f"{res['advantage']:.1f}"
        if res["advantage"] is None and res.get("bound"):
            bound = res["bound"]
            saved = (
                f">= {bound['at_least']:.0f}"
                if "at_least" in bound
                else (f"<= {bound['at_most']:.0f}")
            )
        cells = [
            saved,
            "" if res["loo_std"] is None else f"{res['loo_std']:.1f}",
            "" if boot.get("low") is None else f"[{boot['low']:.0f}, {boot['high']:.0f}]",
            " / ".join(map(str, res.get("runs", []))),
            "" if res.get("ratio") is None else f"{res['ratio']:.2f}",
            "" if res.get("log10_ratio_loo_std") is None else f"{res['log10_ratio_loo_std']:.3f}",
        ]
        lines.append(f"| {mark}{name}{mark} | " + " | ".join(cells) + " |")
    if budget is not None and len(budget):
        uses_dev = budget[budget["dev_rows"] > 0]
        lines += ["", "## Labelled data per point", ""]
        if uses_dev.empty:
            lines.append(
                "No run read dev rows for any choice (fixed steps, one learning rate): each "
                "point's labelled budget is its training rows, the x axis."
            )
        else:
            lines += [
                "Dev rows that a run's choices read (early stopping, a learning rate picked on",
                "dev accuracy) are labelled data too; beside each point's training rows:",
                "",
                "| method | training rows | dev rows used | labelled rows |",
                "|---|---|---|---|",
            ]
            for row in uses_dev.itertuples(index=False):
                lines.append(
                    f"| {row.method} | {row.size} | {row.dev_rows} | {row.labelled_rows} |"
                )
    if spread:
        lines += [
            "",
            "## Spread across patterns",
            "",
            "Mean accuracy per pattern (over its seeds), the std across those pattern means, and",
            "beside it the std across seeds of the main pattern (both ddof=1).",
            "",
            "| method/reading | size | per pattern | std across patterns "
            "| std across seeds (main) |",
            "|---|---|---|---|---|",
        ]
        for series, by_size in spread.items():
            for size, c in by_size.items():
                per = ", ".join(f"{k} {v:.3f}" for k, v in c["by_pattern"].items())
                seed_std = "" if c["main_seed_std"] is None else f"{c['main_seed_std']:.3f}"
                seed_std += f" ({c['main_seeds']} seeds)"
                lines.append(f"| {series} | {size} | {per} | {c['pattern_std']:.3f} | {seed_std} |")
    if cost is not None and len(cost):
        lines += [
            "",
            "## Cost",
            "",
            "Mean per run of the main pattern, beside its accuracy (main reading): trainable",
            "parameters, optimiser steps run and the step kept by early stopping, real tokens",
            "through the model in training and evaluation, wall time, peak memory (GPU",
            "allocations on CUDA, resident set size on CPU). Wall time and memory are measured,",
            "so they differ between identical runs (they are in reports/cost.csv, never in",
            "metrics/). head_frozen's LM tokens for its dev and test rows are spent once, by the",
            "features stage.",
            "",
            "| method | pattern | size | accuracy | trainable params | steps | kept step "
            "| epochs (kept) | train tokens | eval tokens | train s | train peak MiB | eval s "
            "| eval peak MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in cost.itertuples(index=False):
            acc = _main_accuracy(summary, row.method, str(row.size))
            cells = [acc] + [_fmt(getattr(row, k)) for k in COST_COLUMNS]
            lines.append(
                f"| {row.method} | {row.pattern} | {row.size} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines) + "\n"


def _main_accuracy(summary: dict, method: str, size: str) -> str:
    """The method's headline reading at a size (argmax for heads, rank for the others)."""
    cell = summary.get(f"{method}/{METHODS[method].reading}", {}).get(size)
    return "" if cell is None else f"{cell['accuracy_mean']:.3f}"


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
