"""What dev-row selection does to the published points: the early-stopped reading beside the
fixed-step one, run by run.

    python tools/selection_effect.py --fixed /path/to/published/metrics/curves.csv

Run in the workspace of presets/selection_cpu.sh, after it: reads that run's metrics/curves.csv
(best-dev weights) and data/runs/*/train.json (the dev evaluations and the step kept), pairs
each run with the published fixed-step run of the same method, size and seed (last weights, no
dev row read), and writes reports/selection.md and reports/selection.csv.

Both runs of a pair follow the same trajectory (same seed, data and steps; dev evaluation draws
no random number), so where selection keeps the last step the two test accuracies must agree;
the report counts the pairs where they do and where they do not.
"""

import argparse
from pathlib import Path

import pandas as pd

from promptworth.analysis.selection import consistency, pair_runs, run_table, summary_table
from promptworth.config.params import load_params


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
