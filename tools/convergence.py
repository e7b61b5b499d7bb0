"""Protocol v2's convergence check (analysis/convergence.py) on dev rows, from runs' train.json:

    python tools/convergence.py --standard RUN [RUN ...] --doubled RUN [RUN ...] \
        [--grid-runs data/runs] [--series prompt/rank head_full/argmax] [--json OUT.json]

RUN: a run's folder (data/runs/<run>) or its train.json. --standard: head_full and the prompt
at the grid's largest size, every seed, under the protocol's rule; --doubled: the same at one
seed with `train.epochs` doubled. Each must hold a dev reading at its last step. Under
`PROTOCOL=v2` every grid run has one (presets/common.sh), so --standard is the grid's own runs
and only the doubled runs are new; a run from before that has none and is run again with one
evaluation at the last step, which keeps that step and changes no weight, e.g. (the task's grid
command, then)

    ... run_head run_prompt -S train.early_stopping.patience=1000000 \
        -S train.early_stopping.eval_interval=1000000 -S 'grid.head.methods=[head_full]' \
        -S 'grid.head.sizes=[2000]' -S 'grid.prompt.sizes=[2000]'

(copy each data/runs/<run> aside after its invocation: the next one replaces it).
--grid-runs: the grid's own run folders (the workspace's data/runs once the grid is restored);
each standard reading must have trained exactly as its grid run (the same loss at every step),
or its dev reading is not the grid run's and the check stops.

Prints the table and the verdict; exit status 0 when the rule stands, 1 when the protocol's
steps must double, 2 when a reading is not its grid run's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from promptworth.analysis.convergence import (
    convergence_check,
    dev_readings,
    same_training,
    verdict_lines,
)


def read_train_record(path: Path) -> dict:
    """A run's train.json, from its folder or the file itself."""
    file = path / "train.json" if path.is_dir() else path
    if not file.is_file():
        raise SystemExit(f"error: {file}: no such file (a run's train.json)")
    return json.loads(file.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--standard",
        type=Path,
        nargs="+",
        required=True,
        help="the largest size's runs under the rule, every seed",
    )
    parser.add_argument(
        "--doubled",
        type=Path,
        nargs="+",
        required=True,
        help="one seed's runs with train.epochs doubled",
    )
    parser.add_argument(
        "--grid-runs",
        type=Path,
        help="the grid's run folders: each standard reading must match its run",
    )
    parser.add_argument(
        "--series",
        nargs="+",
        default=["prompt/rank", "head_full/argmax"],
        help="the series to check (default: the headline pair)",
    )
    parser.add_argument("--json", type=Path, help="also write the check here")
    args = parser.parse_args(argv)
    standard = [read_train_record(p) for p in args.standard]
    doubled = [read_train_record(p) for p in args.doubled]
    if args.grid_runs:
        for record in standard:
            grid_run = read_train_record(args.grid_runs / record["run"])
            if not same_training(record, grid_run):
                message = f"{record['run']} did not train as the grid's run in {args.grid_runs}"
                print(f"error: {message}: its dev reading is not that run's", file=sys.stderr)
                return 2
        print(f"each standard reading trained as its grid run in {args.grid_runs}")
    try:
        check = convergence_check(dev_readings(standard), dev_readings(doubled), args.series)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    check["runs"] = {
        "standard": sorted(r["run"] for r in standard),
        "doubled": sorted(r["run"] for r in doubled),
        "same_as_grid": bool(args.grid_runs),
    }
    print("\n".join(verdict_lines(check)))
    if args.json:
        args.json.write_text(json.dumps(check, indent=1) + "\n")
    return 0 if check["converged"] else 1


if __name__ == "__main__":
    sys.exit(main())
