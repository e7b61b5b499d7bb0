"""Aggregate every run's scores into the summary metrics, the curves table, the plot and report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .advantage import data_advantage_with_error
from .io import atomic_path, read_json

CURVE_COLUMNS = [
    "series",
    "method",
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
    "train_seconds",
    "train_peak_memory_mib",
    "eval_seconds",
    "eval_peak_memory_mib",
]


def run_name(method: str, size: int, seed: int) -> str:
    """The name of one (method, size, seed) run: its folder under data/runs and data/eval."""
    return f"{method}-{size}-{seed}"


def collect_runs(eval_dir: str | Path, runs: Sequence[tuple[str, int, int]]) -> pd.DataFrame:
    """One row per run and reading, for exactly the runs the current params ask for (stale
    folders of earlier experiments are ignored; a missing run is an error naming it)."""
    rows = []
    for method, size, seed in runs:
        scores = read_json(Path(eval_dir) / run_name(method, size, seed) / "metrics.json")
        for reading, s in scores["readings"].items():
            rows.append(
                {
                    "series": f"{method}/{reading}",
                    "method": method,
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


def advantages(curves: pd.DataFrame, levels: int) -> dict[str, dict[str, float]]:
    """Data advantage (with leave-one-run-out std) of every prompt reading over each head method."""
    out = {}
    prompt = curves[curves["method"] == "prompt"]
    heads = curves[curves["method"] != "prompt"]
    for p_series, p_runs in prompt.groupby("series"):
        for h_series, h_runs in heads.groupby("series"):
            p_runs, h_runs = p_runs.reset_index(drop=True), h_runs.reset_index(drop=True)
            res = data_advantage_with_error(p_runs, h_runs, levels)
            log = data_advantage_with_error(p_runs, h_runs, levels, log_space=True)
            res["log10_ratio"], res["log10_ratio_loo_std"] = log["advantage"], log["loo_std"]
            res["ratio"] = 10 ** log["advantage"]
            out[f"{p_series} vs {h_series}"] = {k: _finite(v) for k, v in res.items()}
    return out


def _finite(value: float) -> float | None:
    """JSON-safe number: NaN (curves that never overlap) becomes null."""
    return None if value != value else round(float(value), 3)


def plot_learning_curves(curves: pd.DataFrame, path: str | Path, title: str) -> None:
    """Accuracy against training points (log x): mean line and a +-1 std band over seeds."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or GPU servers
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(8, 5))
    sns.lineplot(
        data=curves,
        x="size",
        y="accuracy",
        hue="series",
        style="method",
        markers=True,
        dashes=False,
        errorbar="sd",
        ax=ax,
    )
    ax.set_xscale("log")
    ax.set_xlabel("training points (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
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
    summary: dict, advantage: dict, headline: str, n_test: int, cost: dict | None = None
) -> str:
    """The human report: accuracy table (mean +- std over seeds) and the data advantages."""
    sizes = sorted({int(s) for series in summary.values() for s in series})
    lines = [
        "# promptworth report",
        "",
        f"Test accuracy on {n_test} held-out rows, mean +- std over seeds "
        "(none-rate in brackets where a verbaliser left generations unmapped).",
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
        "Rush 2021): how many more training points the head needs to match the prompt. Negative:",
        "the head needs fewer. +- is the leave-one-run-out standard deviation; empty: the curves",
        "share no accuracy range.",
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
    if cost:
        lines += [
            "",
            "## Cost",
            "",
            "Mean per run: trainable parameters, optimiser steps, training and evaluation wall",
            "time, peak memory (GPU allocations on CUDA, resident set size on CPU).",
            "",
            "| method | size | trainable params | steps | train s | train peak MiB | eval s "
            "| eval peak MiB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for method, by_size in cost.items():
            for size, c in by_size.items():
                cells = [_fmt(c[k]) for k in COST_COLUMNS]
                lines.append(f"| {method} | {size} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
