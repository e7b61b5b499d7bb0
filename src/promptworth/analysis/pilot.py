"""Print what a pilot chose: every learning-rate candidate of every run and its dev accuracy.

    python -m promptworth.analysis.pilot            # reads data/runs/*/train.json

The pilot preset (presets/pilot_cpu.sh) runs only the train stages, with a list of candidate
rates per method: each run keeps the one with the best dev accuracy (ties: lower dev loss).
Nothing here reads a test row.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from promptworth.core.paths import RUNS


def pilot_table(runs_dir: Path = RUNS) -> list[str]:
    lines = [
        "| run | learning rate (LM) | head rate | dev accuracy | dev loss | chosen |",
        "|---|---|---|---|---|---|",
    ]
    for path in sorted(runs_dir.glob("*/train.json")):
        record = json.loads(path.read_text())
        for c in record.get("learning_rate_candidates", []):
            chosen = (c["learning_rate"], c["head_learning_rate"]) == (
                record["learning_rate"],
                record["head_learning_rate"],
            )
            dev = c.get("kept_dev", {})
            head = "" if c["head_learning_rate"] is None else f"{c['head_learning_rate']:g}"
            lines.append(
                f"| {record['run']} | {c['learning_rate']:g} | {head} | "
                f"{dev.get('dev_accuracy', float('nan')):.3f} | "
                f"{dev.get('dev_loss', float('nan')):.3f} | {'yes' if chosen else ''} |"
            )
    return lines


if __name__ == "__main__":
    print("\n".join(pilot_table(Path(sys.argv[1]) if len(sys.argv) > 1 else RUNS)))
