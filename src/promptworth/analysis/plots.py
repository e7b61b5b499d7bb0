"""The learning-curve picture: the headline pair as Le Scao & Rush draw it, then every method in
small panels by family.

Top: the prompt and its baseline, each run as a dot, each method's curve (best run per size, made
monotone: what the data advantage measures), the gap between them shaded and labelled with the
advantage and its error bars. Below: one panel per family, mean +- 1 std over seeds per reading.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from promptworth.analysis.advantage import accuracy_levels, envelope, points_needed
from promptworth.config.methods import PANELS, find_method
from promptworth.core.io import atomic_path

# Readings drawn in the family panels (every reading is in the tables).
PLOT_READINGS = ("argmax", "rank", "rank_cal")


def _headline_panel(ax, curves: pd.DataFrame, prompt: str, baseline: str, result: dict | None):
    colours = {prompt: "tab:blue", baseline: "tab:orange"}
    shapes = {}
    for series, colour in colours.items():
        runs = curves[curves["series"] == series]
        if runs.empty:
            continue
        ax.scatter(runs["size"], runs["accuracy"], color=colour, alpha=0.5, s=22, zorder=3,
                   label=f"{series}: one run (seed)")  # fmt: skip
        sizes, accs = envelope(runs)
        # Drawn as the advantage reads it: linear in points between sizes, which is a curve on
        # the log axis, so the shaded gap stays between the two lines.
        x, y = interpolated_curve(sizes, accs)
        ax.plot(x, y, color=colour, linewidth=2, label=f"{series}: best run per size")
        shapes[series] = (sizes, accs)
    if len(shapes) == 2:
        (ps, pa), (hs, ha) = shapes[prompt], shapes[baseline]
        low, high = max(pa[0], ha[0]), min(pa[-1], ha[-1])
        if low < high:
            levels = accuracy_levels(low, high, 200)
            left, right = points_needed(ps, pa, levels), points_needed(hs, ha, levels)
            ax.fill_betweenx(levels, left, right, color="tab:green", alpha=0.18, zorder=1)
    if result and result.get("advantage") is not None:
        text = f"data advantage: {result['advantage']:.0f} points"
        if result.get("loo_std") is not None:
            text += f" +- {result['loo_std']:.0f} (leave one run out)"
        boot = result.get("bootstrap")
        if boot and boot.get("low") is not None:
            text += f"\n95% bootstrap interval over runs: [{boot['low']:.0f}, {boot['high']:.0f}]"
        rows = result.get("bootstrap_rows")
        if rows and rows.get("low") is not None:
            text += f"\nover test rows and runs: [{rows['low']:.0f}, {rows['high']:.0f}]"
        if result.get("truncation"):
            text += "\ncapped by the grid's largest size: a bound (see the report)"
        ax.text(0.02, 0.97, text, transform=ax.transAxes, va="top", fontsize=9,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "tab:green"})  # fmt: skip
    _size_axis(ax, curves["size"])
    ax.set_xlabel("training points (log scale)")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=8, loc="best")


def interpolated_curve(
    sizes: np.ndarray, accuracies: np.ndarray, per_segment: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Points along the piecewise-linear (in points, not log points) curve through the envelope,
    dense enough to draw on a log axis."""
    if len(sizes) < 2:
        return np.asarray(sizes, dtype=float), np.asarray(accuracies, dtype=float)
    x = np.concatenate(
        [
            np.linspace(a, b, per_segment, endpoint=False)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        + [sizes[-1:]]
    )
    return x, np.interp(x, sizes, accuracies)


def _size_axis(ax, sizes: pd.Series) -> None:
    """Log scale, ticked at the grid's own sizes, written as plain numbers."""
    ticks = sorted({int(n) for n in sizes if n > 0})
    ax.set_xscale("log")
    if ticks:
        ax.set_xticks(ticks, [f"{n:,}" for n in ticks])
        ax.minorticks_off()


def _family_panel(ax, curves: pd.DataFrame, panel: str, palette) -> None:
    import seaborn as sns

    rows = curves[curves["method"].map(lambda m: find_method(m).panel == panel)]
    rows = rows[rows["reading"].isin(PLOT_READINGS)]
    flat = rows[rows["method"].map(lambda m: not find_method(m).uses_training_data)]
    rows = rows[~rows.index.isin(flat.index)]
    if not rows.empty:
        sns.lineplot(data=rows, x="size", y="accuracy", hue="series", marker="o", errorbar="sd",
                     palette=palette, ax=ax)  # fmt: skip
    for (series, g), style in zip(flat.groupby("series"), (":", "-.", "--"), strict=False):
        ax.axhline(g["accuracy"].mean(), linestyle=style, color="grey", linewidth=1, label=series)
    _size_axis(ax, rows["size"] if not rows.empty else curves["size"])
    ax.set_title(panel, fontsize=10)
    ax.set_xlabel("training points")
    ax.set_ylabel("test accuracy")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="best")


def plot_learning_curves(
    curves: pd.DataFrame,
    path: str | Path,
    title: str,
    headline: tuple[str, str],
    result: dict | None,
) -> None:
    """The headline pair on top; below, a panel per family present (mean +- 1 std over seeds)."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or GPU servers
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    present = {find_method(m).panel for m in curves["method"].unique()}
    families = [p for p in PANELS if p in present]
    columns = max(len(families), 1)
    fig = plt.figure(figsize=(4.2 * columns, 9))
    grid = fig.add_gridspec(2, columns, height_ratios=[1.35, 1])
    _headline_panel(fig.add_subplot(grid[0, :]), curves, *headline, result)
    palettes = ("Dark2", "tab10", "Set1")  # qualitative: every series its own colour
    for k, family in enumerate(families):
        _family_panel(fig.add_subplot(grid[1, k]), curves, family, palettes[k % len(palettes)])
    fig.suptitle(f"{title}: {headline[0]} vs {headline[1]}")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, metadata={"Software": None})  # no version stamp: reproducible
    plt.close(fig)
