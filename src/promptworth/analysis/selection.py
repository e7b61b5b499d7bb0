"""What dev-row selection does to the published points: each early-stopped run (presets/
selection_cpu.sh) paired with the published fixed-step run of the same method, size and seed,
with the dev evaluations it made and the step it kept (tools/selection_effect.py writes the
report).

Both runs of a pair follow the same trajectory (same seed, data and steps; dev evaluation draws
no random number), so where selection keeps the last step the two test accuracies must agree;
`consistency` counts the pairs where they do and where they do not.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from promptworth.analysis.render import format_cell
from promptworth.config.methods import Run
from promptworth.core.io import read_json

KEY = ["series", "method", "pattern", "size", "seed"]


def run_name(row: pd.Series) -> str:
    """The run's folder under data/runs (patterns read from CSV are "" for the heads)."""
    pattern = row["pattern"] if isinstance(row["pattern"], str) and row["pattern"] else None
    return Run(row["method"], pattern, int(row["size"]), int(row["seed"])).name


def dev_trace(record: dict) -> str:
    """`10:0.812 20:0.846 *30:0.850`: dev accuracy at each evaluation, * on the one kept."""
    marks = []
    for entry in record["history"]:
        if "dev_accuracy" in entry:
            star = "*" if entry["step"] == record["chosen_step"] else ""
            marks.append(f"{star}{entry['step']}:{entry['dev_accuracy']:.3f}")
    return " ".join(marks)


def pair_runs(fixed: pd.DataFrame, selected: pd.DataFrame, runs: Path) -> pd.DataFrame:
    """One row per selected run with its fixed-step twin's accuracy and its dev trace."""
    fixed = fixed.fillna({"pattern": ""})
    selected = selected.fillna({"pattern": ""})
    merged = selected.merge(fixed, on=KEY, suffixes=("_selected", "_fixed"), validate="1:1")
    missing = len(selected) - len(merged)
    if missing:
        raise SystemExit(f"error: {missing} selected run(s) have no fixed-step twin in --fixed")
    rows = []
    for _, row in merged.iterrows():
        record = read_json(runs / run_name(row) / "train.json")
        rows.append(
            {
                **{k: row[k] for k in KEY},
                "fixed_accuracy": row["accuracy_fixed"],
                "selected_accuracy": row["accuracy_selected"],
                "difference": row["accuracy_selected"] - row["accuracy_fixed"],
                "steps": record["steps"],
                "chosen_step": record["chosen_step"],
                "kept_last": record["chosen_step"] == record["steps"],
                "dev_rows": row["dev_rows_selected"],
                "dev_trace": dev_trace(record),
            }
        )
    return pd.DataFrame(rows)


def mean_std(values: pd.Series) -> str:
    """`0.822 +- 0.017 (3 seeds)`, as the report's accuracy cells."""
    several = len(values) > 1
    return format_cell({
        "accuracy_mean": values.mean(),
        "accuracy_std": values.std(ddof=1) if several else None,
        "seeds": len(values),
        "none_rate_mean": 0.0,
    })  # fmt: skip


def summary_table(pairs: pd.DataFrame) -> list[str]:
    lines = [
        "| method/reading | size | fixed steps, last weights | best dev evaluation | "
        "difference (paired) | kept the last step | labelled rows (fixed / selected) |",
        "|---|---|---|---|---|---|---|",
    ]
    for (series, size), cell in pairs.groupby(["series", "size"], sort=True):
        lines.append(
            f"| {series} | {size} | {mean_std(cell['fixed_accuracy'])} | "
            f"{mean_std(cell['selected_accuracy'])} | {mean_std(cell['difference'])} | "
            f"{int(cell['kept_last'].sum())} of {len(cell)} | "
            f"{size} / {size + int(cell['dev_rows'].max())} |"
        )
    return lines


def run_table(pairs: pd.DataFrame) -> list[str]:
    lines = [
        "| run | steps | kept step | dev accuracy at each evaluation (* kept) | test fixed | "
        "test selected |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in pairs.sort_values(["series", "size", "seed"]).iterrows():
        lines.append(
            f"| {r['series']} {r['size']} seed {r['seed']} | {r['steps']} | {r['chosen_step']} | "
            f"{r['dev_trace']} | {r['fixed_accuracy']:.3f} | {r['selected_accuracy']:.3f} |"
        )
    return lines


def consistency(pairs: pd.DataFrame, tolerance: float) -> str:
    """Runs that kept the last step are the published model: their accuracies must agree."""
    last = pairs[pairs["kept_last"]]
    off = last[last["difference"].abs() > tolerance]
    text = (
        f"{len(last)} run(s) kept their last step; {len(last) - len(off)} of them reproduce the "
        f"published test accuracy to within {tolerance}"
    )
    if len(off):
        names = ", ".join(f"{r.series} {r.size} seed {r.seed}" for r in off.itertuples())
        text += f"; {len(off)} do not: {names}"
    return text + "."
