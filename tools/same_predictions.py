"""Do two workspaces' runs predict the same labels on the test rows they share?

    python tools/same_predictions.py /path/to/quick/data/eval /path/to/published/data/eval

For every run folder present in both (data/eval/<run>/predictions.csv), joins the predictions
on the test row id and prints, per reading column, how many shared rows get the same label and
each side's accuracy on those rows. The quick preset's runs are the published run's seed-0 runs
(same split, seeds, steps and rates), scored on 300 of the published 1,000 test rows, so they
should agree row by row up to bf16 rounding in batches of different rows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

READINGS = ("argmax", "rank", "rank_norm", "rank_cal")


def compare(
    a: pd.DataFrame, b: pd.DataFrame, classes: list[str]
) -> list[tuple[str, int, int, float, float]]:
    """(reading, shared rows, same predictions, accuracy in a, accuracy in b) per reading."""
    shared = a.merge(b, on=["row", "label"], suffixes=("_a", "_b"))
    truth = shared["label"].map(dict(enumerate(classes)))
    out = []
    for reading in READINGS:
        if f"{reading}_a" not in shared or f"{reading}_b" not in shared:
            continue
        same = int((shared[f"{reading}_a"] == shared[f"{reading}_b"]).sum())
        accuracy = [float((shared[f"{reading}_{side}"] == truth).mean()) for side in "ab"]
        out.append((reading, len(shared), same, *accuracy))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, help="a workspace's data/eval folder")
    parser.add_argument("b", type=Path, help="another data/eval folder")
    parser.add_argument(
        "--classes",
        type=Path,
        help="class names in label-id order (default: A/../raw/classes.json)",
    )
    args = parser.parse_args()
    classes_file = args.classes or args.a.parent / "raw" / "classes.json"
    if not classes_file.exists():
        raise SystemExit(f"error: {classes_file} not found (give --classes)")
    classes = json.loads(classes_file.read_text())
    for folder in (args.a, args.b):
        if not folder.is_dir():
            raise SystemExit(f"error: {folder} is not a folder")
    runs = sorted(
        p.name for p in args.a.iterdir() if (p / "predictions.csv").exists()
        and (args.b / p.name / "predictions.csv").exists()
    )  # fmt: skip
    if not runs:
        raise SystemExit(f"error: no run has predictions.csv in both {args.a} and {args.b}")
    for run in runs:
        a = pd.read_csv(args.a / run / "predictions.csv")
        b = pd.read_csv(args.b / run / "predictions.csv")
        for reading, shared, same, acc_a, acc_b in compare(a, b, classes):
            print(f"{run:<28} {reading:<9} {same}/{shared} rows predicted alike; "
                  f"accuracy on them {acc_a:.4f} vs {acc_b:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
