"""Print what a pilot chose: every learning-rate candidate of every run and its dev accuracy.

    python -m promptworth.analysis.pilot            # reads data/runs/*/train.json
    python -m promptworth.analysis.pilot --v2       # protocol v2's choice over its two sizes

The pilot presets run only the train stages, with a list of candidate rates per method: each
run keeps the one with the best dev accuracy (ties: lower dev loss). Protocol v2's pilot runs
each method at two sizes (100 and 1,000 points, seed 0); `--v2` chooses, per method, the
candidate with the highest dev accuracy averaged over the sizes it ran at every one of
(ties: lower mean dev loss), and prints the `top` candidates of the first size as the second
stage's `learning_rate` (protocols/v2.md). Nothing here reads a test row.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from promptworth.core.paths import RUNS


def pilot_records(runs_dir: Path = RUNS) -> list[dict]:
    """Every run's train.json under `runs_dir`."""
    return [json.loads(p.read_text()) for p in sorted(runs_dir.glob("*/train.json"))]


def pilot_table(records: list[dict], choice: dict[str, dict] | None = None) -> list[str]:
    """One markdown row per candidate of every run record (`pilot_records`). "best of its run"
    marks the rate that run kept (its best dev accuracy at that size); with `choice`
    (`v2_choice`), "chosen" marks the protocol's choice over both sizes, which may differ from
    one size's best."""
    header = "| run | learning rate (LM) | head rate | dev accuracy | dev loss | best of its run |"
    rule = "|---|---|---|---|---|---|"
    if choice is not None:
        header, rule = header + " chosen |", rule + "---|"
    lines = [header, rule]
    for record in records:
        for c in record.get("learning_rate_candidates", []):
            rates = (c["learning_rate"], c["head_learning_rate"])
            kept = rates == (record["learning_rate"], record["head_learning_rate"])
            dev = c.get("kept_dev", {})
            head = "" if c["head_learning_rate"] is None else f"{c['head_learning_rate']:g}"
            row = (
                f"| {record['run']} | {c['learning_rate']:g} | {head} | "
                f"{dev.get('dev_accuracy', float('nan')):.3f} | "
                f"{dev.get('dev_loss', float('nan')):.3f} | {'yes' if kept else ''} |"
            )
            if choice is not None:
                best = choice.get(record["method"], {})
                chosen = rates == (best.get("lm"), best.get("head"))
                row += f" {'yes' if chosen else ''} |"
            lines.append(row)
    return lines


def candidate_frame(records: list[dict]) -> pd.DataFrame:
    """One row per (method, size, candidate): its dev accuracy and loss at the kept step."""
    rows = [
        {
            "method": r["method"],
            "size": r["size"],
            "lm": c["learning_rate"],
            "head": c["head_learning_rate"],
            "dev_accuracy": c.get("kept_dev", {}).get("dev_accuracy", float("nan")),
            "dev_loss": c.get("kept_dev", {}).get("dev_loss", float("nan")),
        }
        for r in records
        for c in r.get("learning_rate_candidates", [])
    ]
    return pd.DataFrame(rows, columns=["method", "size", "lm", "head", "dev_accuracy", "dev_loss"])


def v2_choice(frame: pd.DataFrame) -> dict[str, dict]:
    """Per method, the candidate tried at every one of its pilot sizes with the highest mean dev
    accuracy over them (ties: lower mean dev loss): {"lm", "head", "dev_accuracy", "sizes"}."""
    chosen = {}
    for method, g in frame.fillna({"head": -1.0}).groupby("method", sort=True):
        sizes = sorted(g["size"].unique())
        by_candidate = g.groupby(["lm", "head"])
        means = by_candidate[["dev_accuracy", "dev_loss"]].mean()
        means = means[by_candidate["size"].nunique() == len(sizes)]
        best = means.sort_values(["dev_accuracy", "dev_loss"], ascending=[False, True]).index[0]
        chosen[method] = {
            "lm": float(best[0]),
            "head": None if best[1] == -1.0 else float(best[1]),
            "dev_accuracy": round(float(means.loc[best, "dev_accuracy"]), 4),
            "sizes": [int(s) for s in sizes],
        }
    return chosen


def second_stage(frame: pd.DataFrame, method: str, top: int) -> str:
    """The `top` candidates of `method` at its smallest pilot size (best dev accuracy first, ties
    lower dev loss) as a params value: `[{backbone: 2e-05, head: 0.01}, ...]` for a head with
    its own rate, `[2e-05, 1e-05]` otherwise."""
    g = frame[frame["method"] == method]
    g = g[g["size"] == g["size"].min()]
    g = g.sort_values(["dev_accuracy", "dev_loss"], ascending=[False, True]).head(top)
    if g["head"].notna().all() and (g["head"] != g["lm"]).any():
        items = [f"{{backbone: {r.lm:g}, head: {r.head:g}}}" for r in g.itertuples()]
    else:
        items = [f"{r.lm:g}" for r in g.itertuples()]
    return "[" + ", ".join(items) + "]"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="What a learning-rate pilot chose (dev rows).")
    parser.add_argument("runs_dir", nargs="?", type=Path, default=RUNS)
    parser.add_argument("--v2", action="store_true", help="protocol v2's two-size choice")
    parser.add_argument("--top", type=int, default=3, help="second-stage candidates per method")
    args = parser.parse_args(argv)
    records = pilot_records(args.runs_dir)  # read once: the table and the choice share it
    if not args.v2:
        print("\n".join(pilot_table(records)))
        return
    frame = candidate_frame(records)
    choice = v2_choice(frame)
    print("\n".join(pilot_table(records, choice)))
    print("\nProtocol v2: mean dev accuracy over the pilot sizes")
    for method, c in choice.items():
        head = "" if c["head"] is None else f", head {c['head']:g}"
        print(f"- {method}: {c['lm']:g}{head} (dev accuracy {c['dev_accuracy']:.3f} over "
              f"{', '.join(map(str, c['sizes']))} points)")  # fmt: skip
    print("\nSecond-stage candidates (the first size's best):")
    for method in sorted(frame["method"].unique()):
        print(f"- methods.{method}.learning_rate={second_stage(frame, method, args.top)}")


if __name__ == "__main__":
    main()
