"""Every run's outputs gathered into tables: one row per run and reading with its scores, steps
and labelled budget (metrics/curves.csv), the seeds aggregated (metrics/summary.json), and the
measured cost of each run (reports/cost.csv).

metrics/ holds only what the same inputs reproduce exactly (scores, steps, tokens), so `dvc
metrics diff` between two identical runs is empty; wall time and memory go to reports/cost.csv.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from promptworth.analysis.uncertainty import RunRows
from promptworth.config.methods import Run
from promptworth.core.io import read_json

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
    "epochs_kept",  # passes over the subset at the kept step
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


def collect_runs(
    eval_dir: str | Path, runs: Iterable[Run], runs_dir: Path, pilot_dev_rows: int = 0
) -> pd.DataFrame:
    """One row per run and reading, for exactly the runs the grid asks for (folders of earlier
    experiments are ignored; a missing run is an error naming it). icl_zero, which uses no
    training data, sits at size 0. A trained run's labelled budget counts the dev rows that
    chose its settings: its own (early stopping, several rates) or a pilot's on the same dev
    split (`pilot_dev_rows`), whichever is more: the rows are the same."""
    rows = []
    for run in runs:
        scores = read_json(Path(eval_dir) / run.name / "metrics.json")
        trained = read_json(runs_dir / run.name / "train.json") if run.spec.is_trained else {}
        dev_rows = trained.get("dev_rows_used", 0)
        if run.spec.is_trained:
            dev_rows = max(dev_rows, pilot_dev_rows)
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


def collect_cost(runs: Iterable[Run], runs_dir: Path, eval_dir: Path, run_logs: Path):
    """One row per run: its counts (reproducible) and its wall time and memory (measured)."""
    rows = []
    for run in runs:
        trained = read_json(runs_dir / run.name / "train.json") if run.spec.is_trained else {}
        measured = read_json(run_logs / run.name / "cost.json")
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
                "train_seconds": measured.get("train_seconds", 0.0),
                "train_peak_memory_mib": measured.get("train_peak_memory_mib"),
                "eval_seconds": measured.get("eval_seconds"),
                "eval_peak_memory_mib": measured.get("peak_memory_mib"),
                "machine": machine_of(measured),
            }
        )
    columns = ["method", "pattern", "size", "seed", *COST_COLUMNS, "machine"]
    return pd.DataFrame(rows, columns=columns)


def machine_of(measured: dict) -> str:
    """A run's machine as its cost.json names it (runs from before provenance: the device)."""
    machine = measured.get("machine") or measured.get("device") or "unknown"
    return f"{machine} (torch {measured['torch']})" if measured.get("torch") else machine


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


def labelled_budget(curves: pd.DataFrame) -> pd.DataFrame:
    """Per method and size: training rows, dev rows its choices read, and their sum."""
    runs = curves.drop_duplicates(["method", "size", "seed"])
    return (
        runs.groupby(["method", "size"], sort=True)[["dev_rows", "labelled_rows"]]
        .max()
        .reset_index()
    )


def row_correctness(
    eval_dir: str | Path, runs: Iterable[Run], class_names: Sequence[str]
) -> dict[str, RunRows]:
    """Each series' 0/1 correctness on every test row (rows in `row` order, the same for every
    run: they all score the same test subset), for the bootstrap over test rows and runs. Runs
    with several patterns: only those of the runs given (the caller passes the main pattern's)."""
    per_series: dict[str, list] = {}
    for run in runs:
        table = pd.read_csv(Path(eval_dir) / run.name / "predictions.csv").sort_values("row")
        truth = np.asarray(class_names, dtype=object)[table["label"].to_numpy()]
        readings = [c for c in table.columns if c not in ("row", "label", "generation")]
        for reading in readings:
            correct = (table[reading].to_numpy(dtype=object) == truth).astype(np.float64)
            per_series.setdefault(f"{run.method}/{reading}", []).append(
                (
                    run.training_points,
                    -1 if run.seed is None else run.seed,
                    correct,
                    table["row"].to_numpy(),
                )  # fmt: skip
            )
    out = {}
    for series, items in per_series.items():
        order = items[0][3]
        if any(not np.array_equal(order, item[3]) for item in items):
            raise ValueError(f"{series}: runs were scored on different test rows")
        out[series] = RunRows(
            np.array([i[0] for i in items]),
            np.array([i[1] for i in items]),
            np.stack([i[2] for i in items]),
        )
    return out
