"""Protocol v2's convergence check (analysis/convergence.py), from two metrics/curves.csv:

    python tools/convergence.py STANDARD/metrics/curves.csv DOUBLED/metrics/curves.csv \
        [--series prompt/rank head_full/argmax] [--json OUT.json]

STANDARD: the grid as the protocol runs it; DOUBLED: the same workspace's parameters with
`train.epochs` doubled, the largest size only, one seed, e.g.

    dvc exp run -S train.epochs=6 -S 'grid.head.methods=[head_full]' \
        -S 'grid.head.sizes=[2000]' -S 'grid.head.seeds=[0]' \
        -S 'grid.prompt.sizes=[2000]' -S 'grid.prompt.seeds=[0]' \
        -S 'grid.icl_zero.patterns=[]' -S 'grid.icl_few.patterns=[]'

Prints the table and the verdict; exit status 0 when the rule stands, 1 when the protocol's
steps must double.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from promptworth.analysis.convergence import convergence_check, verdict_lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("standard", type=Path, help="the protocol's metrics/curves.csv")
    parser.add_argument("doubled", type=Path, help="the doubled-steps run's metrics/curves.csv")
    parser.add_argument(
        "--series", nargs="+", default=["prompt/rank", "head_full/argmax"],
        help="the series to check (default: the headline pair)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the check here")
    args = parser.parse_args(argv)
    for path in (args.standard, args.doubled):
        if not path.is_file():
            raise SystemExit(f"error: {path}: no such file (a metrics/curves.csv)")
    check = convergence_check(pd.read_csv(args.standard), pd.read_csv(args.doubled), args.series)
    print("\n".join(verdict_lines(check)))
    if args.json:
        args.json.write_text(json.dumps(check, indent=1) + "\n")
    return 0 if check["converged"] else 1


if __name__ == "__main__":
    sys.exit(main())
