"""What dev-row selection does to the published points: the early-stopped reading beside the
fixed-step one, run by run.

    python bench/selection_effect.py --fixed /path/to/published/metrics/curves.csv

Run in the workspace of presets/selection_cpu.sh, after it: reads that run's metrics/curves.csv
(best-dev weights) and data/runs/*/train.json (the dev evaluations and the step kept), pairs
each run with the published fixed-step run of the same method, size and seed (last weights, no
dev row read), and writes reports/selection.md and reports/selection.csv.

Both runs of a pair follow the same trajectory (same seed, data and steps; dev evaluation draws
no random number), so where selection keeps the last step the two test accuracies must agree;
the report counts the pairs where they do and where they do not.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from promptworth.io import read_json
from promptworth.methods import Run
from promptworth.params import load_params
from promptworth.report import format_cell

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixed", type=Path, required=True, help="published metrics/curves.csv")
    parser.add_argument("--selected", type=Path, default=Path("metrics/curves.csv"))
    parser.add_argument("--runs", type=Path, default=Path("data/runs"))
    parser.add_argument("--out", type=Path, default=Path("reports/selection.md"))
    parser.add_argument("--tolerance", type=float, default=0.0005)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="the run's params")
    args = parser.parse_args()
    for path in (args.fixed, args.selected, args.runs, args.params):
        if not path.exists():
            raise SystemExit(f"error: {path} not found")
    fixed, selected = pd.read_csv(args.fixed), pd.read_csv(args.selected)
    interval = load_params(args.params).train.early_stopping.eval_interval
    # The readings both runs share: the ones selection can change (argmax, rank).
    selected = selected[selected["series"].isin(["head_full/argmax", "prompt/rank"])]
    pairs = pair_runs(fixed, selected, args.runs)
    pairs.to_csv(args.out.with_suffix(".csv"), index=False)
    lines = [
        "# What dev-row selection does (presets/selection_cpu.sh beside the published run)",
        "",
        "Each selected run repeats a published run (same data, seed, steps and learning rate) "
        f"but measures dev accuracy every {interval} steps (and at the last) on the dev rows "
        "and keeps the best "
        "evaluation's weights (ties: lower dev loss, then the later step; never before one "
        "pass over the subset) instead of the last ones. Test accuracy on the same "
        f"{int(selected['n'].iloc[0])} test rows. std: ddof=1 over seeds.",
        "",
        *summary_table(pairs),
        "",
        consistency(pairs, args.tolerance),
        "",
        "## Run by run",
        "",
        *run_table(pairs),
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
