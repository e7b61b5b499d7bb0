"""Stage `plan`: before the first heavy stage, say what the grid will run and what it will cost.

Checks that every size fits the training pool, then prints the runs per method, their steps, and
an estimate of the wall time on this machine: it times a few training steps and no-grad passes of
the real model on real rows, at the grid's batch sizes and precisions, with and without the LM
head (seconds; cached in data/throughput/ per model, device and precision), and scales them by
each run's tokens. The fixed table (bench/throughput.json) is only the fallback: for another
device kind (`--device`) or with `--no-probe`. Writes data/plan.json (every run with its steps,
examples, tokens and estimated seconds). No stage depends on it: changing the grid re-runs this
stage only.
"""

import argparse

import pandas as pd
import torch

from promptworth.analysis.plan import (
    check_dev_split,
    check_sizes,
    describe,
    estimate_run,
    grid_summary,
    plan_record,
    shared_seconds,
)
from promptworth.analysis.plan_inputs import probe_throughput, table_throughput, token_lengths
from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.io import write_json
from promptworth.core.paths import MODEL, PLAN, PROBES, RAW
from promptworth.data.context import check_fits_context, model_context
from promptworth.lm.modeling import count_parameters, load_tokenizer
from promptworth.methods.registry import demonstrations, reads_cached_features


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        help="estimate for this device kind from the fixed table (e.g. a GPU from a laptop)",
    )
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="estimate from the fixed table (bench/throughput.json) instead of measuring here",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    params = load_params()
    train = pd.read_parquet(RAW / "train.parquet")
    test_rows = params.sample.test_size or len(pd.read_parquet(RAW / "test.parquet"))
    dev_rows = params.sample.dev_size
    check_dev_split(dev_rows, len(train))
    check_sizes(params.grid, len(train) - dev_rows, lambda run: demonstrations(run, params))
    tokenizer = load_tokenizer(MODEL)
    check_fits_context(params, tokenizer, model_context(MODEL))
    article, pattern_tokens = token_lengths(params, train, tokenizer)
    here = "cuda" if torch.cuda.is_available() else "cpu"
    if args.no_probe or (args.device and args.device != here):
        throughput, measured = table_throughput(args.device or here, params)
    else:
        throughput, measured = probe_throughput(
            params, train, tokenizer, pattern_tokens, MODEL, PROBES
        )
    parameters = count_parameters(MODEL)
    runs = params.grid.runs()
    costs = [
        estimate_run(
            r, params, parameters, article, pattern_tokens, test_rows, dev_rows, throughput
        )
        for r in runs
    ]
    # The features stage passes the dev and test rows through the LM only for a method that
    # trains on cached features (head_frozen); without one it computes nothing.
    feature_rows = (dev_rows + test_rows) if any(map(reads_cached_features, runs)) else 0
    shared = shared_seconds(parameters, feature_rows * article, throughput)
    print("\n".join([grid_summary(params.grid), *describe(costs, shared, throughput)]))
    write_json(PLAN, plan_record(costs, parameters, article, measured, shared))


if __name__ == "__main__":
    run_stage(main)
