"""Stage families `evaluate_head`, `evaluate_prompt`, `evaluate_icl_zero`, `evaluate_icl_few`:
score one run on the test subset.

Writes data/eval/<run>/metrics.json (accuracy, macro-F1, none-rate and confusion matrix per
reading, tokens processed) and predictions.csv (one row per test example), and
data/logs/eval/<run>.json (wall time, memory). In-context runs train nothing: this stage draws
icl_few's demonstrations from the run's subset and records them.
"""

import argparse

from promptworth.config.methods import METHODS, Run
from promptworth.core.cli import run_stage


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=list(METHODS))
    parser.add_argument("--pattern", help="a name in format.patterns (not for heads)")
    parser.add_argument("--size", type=int, help="training points (not for icl_zero)")
    parser.add_argument("--seed", type=int, help="data seed (not for icl_zero)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run = Run(args.method, args.pattern, args.size, args.seed)
    from promptworth.config.params import load_params
    from promptworth.methods.evaluate_run import evaluate_run

    for reading, s in evaluate_run(run, load_params()).items():
        print(
            f"{run.name} {reading}: accuracy {s['accuracy']:.3f} macro-F1 {s['macro_f1']:.3f} "
            f"none {s['none_rate']:.2f}"
        )


if __name__ == "__main__":
    run_stage(main)
