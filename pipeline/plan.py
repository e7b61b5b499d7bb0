"""Stage `plan`: before the first heavy stage, say what the grid will run and what it will cost.

Checks that every size fits the training pool, then prints the runs per method, their steps, and
an estimate of the wall time on this device from measured throughput (bench/throughput.json),
so a user can stop in time. Writes data/plan.json (every run with its steps, examples, tokens
and estimated seconds). No stage depends on it: changing the grid re-runs this stage only.
"""

import argparse
import json
from pathlib import Path

import pandas as pd
import torch

from promptworth.cli import run_stage
from promptworth.io import write_json
from promptworth.modeling import count_parameters, load_tokenizer
from promptworth.params import load_params
from promptworth.paths import MODEL, PLAN, RAW
from promptworth.plan import (
    Throughput,
    check_sizes,
    describe,
    estimate_run,
    grid_summary,
    shared_seconds,
)
from promptworth.prompts import format_prompt, input_separator, join_inputs

THROUGHPUT = Path("bench/throughput.json")
SAMPLE_ROWS = 2000  # rows tokenised to estimate the mean input length


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        help="estimate for this device kind instead of this machine's (e.g. a GPU from a laptop)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    params = load_params()
    train = pd.read_parquet(RAW / "train.parquet")
    test_rows = params.sample.test_size or len(pd.read_parquet(RAW / "test.parquet"))
    dev_rows = params.sample.dev_size
    check_sizes(params.grid, len(train) - dev_rows, params.methods.get("icl_few") and
                params.methods["icl_few"].shots)  # fmt: skip
    tokenizer = load_tokenizer(MODEL)
    sample = train.sample(min(SAMPLE_ROWS, len(train)), random_state=0)
    texts = join_inputs(sample, params.data.inputs, input_separator(tokenizer))
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    article = sum(min(n, params.format.max_input_tokens) for n in lengths) / len(lengths)
    pattern_tokens = {
        name: len(
            tokenizer(
                format_prompt(p.template, dict.fromkeys(p.slots, "")), add_special_tokens=False
            )["input_ids"]
        )
        for name, p in params.format.patterns.items()
    }
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    table = json.loads(THROUGHPUT.read_text())
    measured = table[device]
    # On a CPU, bf16 autocast has its own measured throughput (bench/bench_bf16.py), for the
    # training and the no-grad passes separately, as train.cpu_bf16 and eval.cpu_bf16 are.
    train = table["cpu_bf16"] if device == "cpu" and params.train.cpu_bf16 else measured
    infer = table["cpu_bf16"] if device == "cpu" and params.eval.cpu_bf16 else measured
    precision = ""
    if device == "cpu":  # on CUDA bf16 is always on where the card has it
        precision = (
            f"; training {'bf16' if params.train.cpu_bf16 else 'fp32'}, "
            f"scoring {'bf16' if params.eval.cpu_bf16 else 'fp32'}"
        )
    throughput = Throughput(
        device, measured["machine"] + precision, train["train_flops"], infer["infer_flops"],
        measured["stage_overhead_s"],
    )  # fmt: skip
    parameters = count_parameters(MODEL)
    costs = [
        estimate_run(
            r, params, parameters, article, pattern_tokens, test_rows, dev_rows, throughput
        )
        for r in params.grid.runs()
    ]
    shared = shared_seconds(parameters, (dev_rows + test_rows) * article, throughput)
    lines = describe(costs, shared, throughput)
    print("\n".join([grid_summary(params.grid), *lines]))
    write_json(
        PLAN,
        {
            "model_parameters": parameters,
            "mean_article_tokens": round(article, 1),
            "throughput": measured,
            "estimated_hours": round((sum(c.seconds for c in costs) + shared) / 3600, 2),
            "runs": [
                {
                    "run": c.run.name,
                    "steps": c.steps,
                    "examples": c.examples,
                    "epochs": round(c.epochs, 2),
                    "train_tokens": c.train_tokens,
                    "read_tokens": c.read_tokens,
                    "seconds": round(c.seconds, 1),
                }
                for c in costs
            ],  # fmt: skip
        },
    )


if __name__ == "__main__":
    run_stage(main)
