"""Aggregate every run's scores into the summary metrics, the curves table, the plot and report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .advantage import data_advantage_with_error
from .grid import HEAD_METHODS, run_name
from .io import atomic_path, read_json

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
]
# What each run cost (from its train.json and evaluation), beside what it scored.
COST_COLUMNS = [
    "trainable_parameters",
    "train_steps",
    "chosen_step",
    "train_tokens",
    "train_seconds",
    "train_peak_memory_mib",
    "eval_tokens",
    "eval_seconds",
    "eval_peak_memory_mib",
]
# Readings drawn in the learning-curve plot (every reading is in the tables).
PLOT_READINGS = ("argmax", "rank", "rank_cal")


def collect_runs(eval_dir: str | Path, runs: Sequence[tuple[str, str, int, int]]) -> pd.DataFrame:
    """One row per run and reading, for exactly the runs the current params ask for (stale
    folders of earlier experiments are ignored; a missing run is an error naming it)."""
    rows = []
    for method, pattern, size, seed in runs:
        scores = read_json(Path(eval_dir) / run_name(method, pattern, size, seed) / "metrics.json")
        for reading, s in scores["readings"].items():
            rows.append(
                {
                    "series": f"{method}/{reading}",
                    "method": method,
                    "pattern": pattern,
                    "reading": reading,
                    "size": int(size),
                    "seed": int(seed),
                    "accuracy": s["accuracy"],
                    "macro_f1": s["macro_f1"],
                    "none_rate": s["none_rate"],
                    "n": s["n"],
                    **{k: scores.get("cost", {}).get(k) for k in COST_COLUMNS},
                }
            )
    return pd.DataFrame(rows, columns=CURVE_COLUMNS + COST_COLUMNS)


def summarise(curves: pd.DataFrame) -> dict:
    """Mean and std over seeds of accuracy, macro-F1 and none-rate per series and size."""
    out: dict = {}
    grouped = curves.groupby(["series", "size"], sort=True)
    for (series, size), g in grouped:
        out.setdefault(series, {})[str(size)] = {
            "accuracy_mean": round(float(g["accuracy"].mean()), 4),
            # ddof=0 so a single seed reports 0 spread rather than NaN (JSON has no NaN).
            "accuracy_std": round(float(g["accuracy"].std(ddof=0)), 4),
            "macro_f1_mean": round(float(g["macro_f1"].mean()), 4),
            "none_rate_mean": round(float(g["none_rate"].mean()), 4),
            "seeds": int(len(g)),
        }
    return out


def summarise_cost(curves: pd.DataFrame) -> dict:
    """Mean cost per method and size over its runs (one row per run, not per reading)."""
    runs = curves.drop_duplicates(["method", "size", "seed"])
    out: dict = {}
    for (method, size), g in runs.groupby(["method", "size"], sort=True):
        out.setdefault(method, {})[str(size)] = {
            k: (None if g[k].isna().all() else round(float(g[k].mean()), 1)) for k in COST_COLUMNS
        }
    return out


def comparisons(series: Sequence[str]) -> list[tuple[str, str]]:
    """(prompt side, baseline side) pairs of the data-advantage table: every reading of the
    trained prompt methods and of icl_few against each head, and the prompt against the
    null-verbaliser control reading for reading."""
    present = set(series)
    heads = sorted(s for s in present if s.split("/")[0] in HEAD_METHODS)
    prompt_side = sorted(
        s
        for s in present
        if s.split("/")[0] in ("prompt", "prompt_lora", "prompt_tuning", "icl_few")
    )
    pairs = [(p, h) for p in prompt_side for h in heads]
    for p in sorted(s for s in present if s.startswith("prompt/")):
        null = "prompt_null/" + p.split("/", 1)[1]
        if null in present:
            pairs.append((p, null))
    return pairs


def advantages(curves: pd.DataFrame, levels: int) -> dict[str, dict[str, float]]:
    """Data advantage (with leave-one-run-out std), in points and in log space, of each pair in
    `comparisons`, on the main pattern's runs (`curves` holds only those)."""
    out = {}
    by_series = {name: g.reset_index(drop=True) for name, g in curves.groupby("series")}
    for p_series, b_series in comparisons(list(by_series)):
        p_runs, b_runs = by_series[p_series], by_series[b_series]
        res = data_advantage_with_error(p_runs, b_runs, levels)
        log = data_advantage_with_error(p_runs, b_runs, levels, log_space=True)
        res["log10_ratio"], res["log10_ratio_loo_std"] = log["advantage"], log["loo_std"]
        res["ratio"] = 10 ** log["advantage"]
        out[f"{p_series} vs {b_series}"] = {k: _finite(v) for k, v in res.items()}
    return out


def pattern_spread(curves: pd.DataFrame, main_pattern: str) -> dict:
    """For each series and size run under several patterns: each pattern's mean accuracy over
    its seeds, the std across those pattern means and, beside it, the std across seeds of the
    main pattern; the two spreads say whether the choice of pattern matters more than luck."""
    out: dict = {}
    for (series, size), g in curves.groupby(["series", "size"], sort=True):
        means = g.groupby("pattern", sort=False)["accuracy"].mean()
        if len(means) < 2:
            continue
        main = g[g["pattern"] == main_pattern]["accuracy"]
        out.setdefault(series, {})[str(size)] = {
            "by_pattern": {k: round(float(v), 4) for k, v in means.items()},
            "pattern_std": round(float(means.std(ddof=0)), 4),
            "main_seed_std": round(float(main.std(ddof=0)), 4) if len(main) else None,
            "main_seeds": int(len(main)),
        }
    return out


def _finite(value: float) -> float | None:
    """JSON-safe number: NaN (curves that never overlap) becomes null."""
    return None if value != value else round(float(value), 3)


def plot_learning_curves(curves: pd.DataFrame, path: str | Path, title: str) -> None:
    """Accuracy against training points (log x): mean line and a +-1 std band over seeds, for
    the readings in PLOT_READINGS; icl_zero (no training data) as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or GPU servers
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(11, 5.5))
    shown = curves[curves["reading"].isin(PLOT_READINGS)]
    flat = shown[shown["method"] == "icl_zero"]  # no training data: a flat line, not a curve
    shown = shown[shown["method"] != "icl_zero"]
    sns.lineplot(
        data=shown,
        x="size",
        y="accuracy",
        hue="series",
        style="method",
        markers=True,
        dashes=False,
        errorbar="sd",
        ax=ax,
    )
    for (series, g), style in zip(flat.groupby("series"), (":", "-.", "--"), strict=False):
        ax.axhline(g["accuracy"].mean(), linestyle=style, color="grey", linewidth=1, label=series)
    ax.set_xscale("log")
    ax.set_xlabel("training points (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    # Outside the axes: with a dozen series, any corner inside hides some curve's end.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)


def _headline_value(res: dict | None) -> str:
    if res is None:
        return " (not computed: the grid lacks one of the two methods)."
    if res["advantage"] is None:
        return " (undefined: the two curves share no accuracy range)."
    return f": {res['advantage']:.1f} points +- {res['loo_std']:.1f}."


def render_markdown(
    summary: dict,
    advantage: dict,
    headline: str,
    n_test: int,
    cost: dict | None = None,
    spread: dict | None = None,
) -> str:
    """The human report: accuracy table (mean +- std over seeds) and the data advantages."""
    sizes = sorted({int(s) for series in summary.values() for s in series})
    lines = [
        "# promptworth report",
        "",
        f"Test accuracy on {n_test} held-out rows, mean +- std over seeds, main pattern",
        "(none-rate in brackets where a verbaliser left generations unmapped). icl_zero uses no",
        "training data: it is run once and listed at the smallest size.",
        "",
        "| method/reading | " + " | ".join(str(s) for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for series, by_size in summary.items():
        cells = []
        for s in sizes:
            c = by_size.get(str(s))
            if c is None:
                cells.append("")
                continue
            cell = f"{c['accuracy_mean']:.3f} +- {c['accuracy_std']:.3f}"
            if c["none_rate_mean"] > 0:
                cell += f" [{c['none_rate_mean']:.2f}]"
            cells.append(cell)
        lines.append(f"| {series} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Data advantage",
        "",
        "Average horizontal gap between the curves over the accuracy range both reach (Le Scao &",
        "Rush 2021): how many more training points the baseline (right of 'vs') needs to match",
        "the prompt side. Negative: the baseline needs fewer. +- is the leave-one-run-out standard",
        "deviation; empty: the curves share no accuracy range.",
        "",
        f"Headline: **{headline}**" + _headline_value(advantage.get(headline)),
        "",
        "In log space: the prompt at n points matches the head at k x n points (k averaged as",
        "log10 k over the same accuracy levels; +- is the LOO std of log10 k).",
        "",
        "| comparison | points saved | +- LOO std | k (log space) | +- LOO std of log10 k |",
        "|---|---|---|---|---|",
    ]
    for name, res in advantage.items():
        mark = "**" if name == headline else ""
        cells = [
            "" if res["advantage"] is None else f"{res['advantage']:.1f}",
            "" if res["loo_std"] is None else f"{res['loo_std']:.1f}",
            "" if res.get("ratio") is None else f"{res['ratio']:.2f}",
            "" if res.get("log10_ratio_loo_std") is None else f"{res['log10_ratio_loo_std']:.3f}",
        ]
        lines.append(f"| {mark}{name}{mark} | " + " | ".join(cells) + " |")
    if spread:
        lines += [
            "",
            "## Spread across patterns",
            "",
            "Mean accuracy per pattern (over its seeds), the std across those pattern means, and",
            "beside it the std across seeds of the main pattern.",
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
    if cost:
        lines += [
            "",
            "## Cost",
            "",
            "Mean per run of the main pattern, beside its accuracy (main reading): trainable",
            "parameters, optimiser steps run and the step kept by early stopping, real tokens",
            "through the model in training and evaluation, wall time, peak memory (GPU",
            "allocations on CUDA, resident set size on CPU). head_frozen's LM tokens are spent",
            "once, by the features stage, for every run.",
            "",
            "| method | size | accuracy | trainable params | steps | kept step | train tokens "
            "| train s | train peak MiB | eval tokens | eval s | eval peak MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for method, by_size in cost.items():
            for size, c in by_size.items():
                acc = _main_accuracy(summary, method, size)
                cells = [acc] + [_fmt(c[k]) for k in COST_COLUMNS]
                lines.append(f"| {method} | {size} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _main_accuracy(summary: dict, method: str, size: str) -> str:
    """The method's headline reading at a size: argmax for heads, rank for the others."""
    series = f"{method}/argmax" if method in HEAD_METHODS else f"{method}/rank"
    cell = summary.get(series, {}).get(size)
    return "" if cell is None else f"{cell['accuracy_mean']:.3f}"


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
