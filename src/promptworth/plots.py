"""The learning-curve picture: test accuracy against training points, per method and reading."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .io import atomic_path
from .methods import METHODS

# Readings drawn in the learning-curve plot (every reading is in the tables).
PLOT_READINGS = ("argmax", "rank", "rank_cal")


def plot_learning_curves(curves: pd.DataFrame, path: str | Path, title: str) -> None:
    """Accuracy against training points (log x): mean line and a +-1 std band over seeds, for
    the readings in PLOT_READINGS; methods without training data as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or GPU servers
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(11, 5.5))
    shown = curves[curves["reading"].isin(PLOT_READINGS)]
    no_data = shown["method"].map(lambda m: not METHODS[m].uses_training_data)
    flat, shown = shown[no_data], shown[~no_data]
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
        fig.savefig(tmp, dpi=120, metadata={"Software": None})  # no version stamp: reproducible
    plt.close(fig)
