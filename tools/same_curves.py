"""Did a republication give the same runs? Compare two metrics/curves.csv run by run.

    python tools/same_curves.py OLD/metrics/curves.csv NEW/metrics/curves.csv

For every run present in both files (series, pattern, size, seed) prints the accuracy in each and
the difference in test rows (accuracy difference x test rows: the *net* number of rows whose
correctness changed; rows flipped both ways cancel, so it is a lower bound on flipped rows, and
tools/same_predictions.py counts them exactly when both sides' predictions are at hand). Then one
line per series: runs compared, runs identical, the largest difference. Runs in only one file are
listed by count. Exit status 0 either way: reading the differences is the reader's job.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

KEY = ["series", "pattern", "size", "seed"]


def compare_runs(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per run in both: accuracy old and new, and the net change in correct test rows."""
    for frame in (old, new):
        frame["pattern"] = frame["pattern"].fillna("")
    shared = old.merge(new, on=KEY, suffixes=("_old", "_new"))
    if (shared["n_old"] != shared["n_new"]).any():
        raise SystemExit(
            "the two files score different numbers of test rows: compare like with like"
        )
    shared["rows_changed"] = (
        ((shared["accuracy_new"] - shared["accuracy_old"]) * shared["n_new"]).round().astype(int)
    )
    return shared[[*KEY, "accuracy_old", "accuracy_new", "rows_changed"]]


def per_series(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs compared, runs with identical accuracy and the largest net change, per series."""
    grouped = runs.groupby("series")["rows_changed"]
    return pd.DataFrame(
        {
            "runs": grouped.size(),
            "identical": grouped.apply(lambda s: int((s == 0).sum())),
            "largest_change_rows": grouped.apply(lambda s: int(s.abs().max())),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--all", action="store_true", help="print every run, not only changed ones")
    args = parser.parse_args()
    old, new = pd.read_csv(args.old), pd.read_csv(args.new)
    runs = compare_runs(old, new)
    shown = runs if args.all else runs[runs["rows_changed"] != 0]
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(shown.to_string(index=False) if len(shown) else "every shared run: same accuracy")
        print()
        print(per_series(runs).to_string())
    only = {}
    for name, frame in (("old", old), ("new", new)):
        joined = frame.merge(runs[KEY], on=KEY, how="left", indicator=True)
        only[name] = int((joined["_merge"] == "left_only").sum())
    print(f"\nruns only in old: {only['old']}, only in new: {only['new']}")


if __name__ == "__main__":
    main()
