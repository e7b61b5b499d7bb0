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
import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import torch

from promptworth.analysis.plan import (
    Throughput,
    check_dev_split,
    check_sizes,
    describe,
    estimate_run,
    grid_summary,
    shared_seconds,
)
from promptworth.analysis.probe import cached_probe, describe_probe, measure_throughput, probe_key
from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.hardware import cpu_bf16_chosen, precision_word, process_age_s, select_runtime
from promptworth.core.io import write_json
from promptworth.core.paths import MODEL, PLAN, PROBES, RAW
from promptworth.data.context import check_fits_context, model_context
from promptworth.data.prompts import format_prompt, input_separator, join_inputs
from promptworth.lm.modeling import count_parameters, load_tokenizer

THROUGHPUT = Path("bench/throughput.json")
SAMPLE_ROWS = 2000  # rows tokenised to estimate the mean input length
PROBE_ROWS = 256  # real rows the probe draws its batches from
# DVC's own work around each stage (reading dvc.yaml and params, hashing and caching outputs,
# writing dvc.lock), which the probe cannot see: bench/dvc_overhead.py measured ~1-4 s per stage.
DVC_STAGE_S = 4.0


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


def table_throughput(device: str, params) -> tuple[Throughput, dict]:
    """The fixed table's figures for `device` (measured on one named machine): the fallback."""
    table = json.loads(THROUGHPUT.read_text())
    measured = table[device]
    # On a CPU, bf16 autocast has its own measured throughput (bench/bench_bf16.py), for the
    # training and the no-grad passes separately, as train.cpu_bf16 and eval.cpu_bf16 are;
    # `auto` is read as this machine would choose.
    train_bf16 = device == "cpu" and cpu_bf16_chosen(params.train.cpu_bf16)
    infer_bf16 = device == "cpu" and cpu_bf16_chosen(params.eval.cpu_bf16)
    train = table["cpu_bf16"] if train_bf16 else measured
    infer = table["cpu_bf16"] if infer_bf16 else measured
    source = f"fixed table, not measured here: {measured['machine']}"
    if device == "cpu":  # on CUDA bf16 is always on where the card has it
        source += f"; training {precision_word(train_bf16)}, scoring {precision_word(infer_bf16)}"
    throughput = Throughput(
        device, source + "; bench/throughput.json", train["train_flops"], infer["infer_flops"],
        measured["stage_overhead_s"],
    )  # fmt: skip
    return throughput, {"source": "table", **measured}


def probe_throughput(
    params, train: pd.DataFrame, tokenizer, pattern_tokens
) -> tuple[Throughput, dict]:
    """Throughput measured on this machine by a short probe of the real model (cached)."""
    started = process_age_s()  # imports so far: every stage pays them
    train_rt = select_runtime(params.gpu, params.train.cpu_bf16, "train.cpu_bf16")
    infer_rt = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
    infer_rt.announce()
    rows = probe_rows(params, train, tokenizer, pattern_tokens)
    t = params.train
    key = probe_key(MODEL, infer_rt.line, t.batch_size, params.eval.batch_size,
                    sum(map(len, rows)) / len(rows), train_rt.dtype is not None,
                    infer_rt.dtype is not None)  # fmt: skip
    result, cached = cached_probe(
        PROBES,
        key,
        lambda: measure_throughput(
            MODEL,
            rows,
            tokenizer.pad_token_id,
            t.batch_size,
            params.eval.batch_size,
            infer_rt.device,
            train_rt.dtype,
            infer_rt.dtype,
            started,
        ),  # fmt: skip
    )
    print(describe_probe(result, cached, t.batch_size, params.eval.batch_size))
    machine = infer_rt.line.removeprefix("device ").split(";")[0]
    if infer_rt.device.type == "cpu":
        machine += (
            f"; training {precision_word(train_rt.dtype is not None)}, "
            f"scoring {precision_word(infer_rt.dtype is not None)}"
        )
    throughput = Throughput(
        infer_rt.device.type, f"measured here: {machine}", result.train_flops,
        result.infer_flops, result.startup_s + DVC_STAGE_S, result.head_train_flops,
        result.backbone_infer_flops,
    )  # fmt: skip
    return throughput, {"source": "probe", **asdict(result)}


def probe_rows(params, train: pd.DataFrame, tokenizer, pattern_tokens) -> list[list[int]]:
    """Real training rows as a run sees them: the input cut to format.max_input_tokens, the
    longest pattern's tokens and one label token."""
    sample = train.sample(min(PROBE_ROWS, len(train)), random_state=0)
    texts = join_inputs(sample, params.data.inputs, input_separator(tokenizer))
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    extra = max(pattern_tokens.values(), default=0) + 1
    filler = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    return [r[: params.format.max_input_tokens] + [filler] * extra for r in ids]


def main() -> None:
    args = parse_args()
    params = load_params()
    train = pd.read_parquet(RAW / "train.parquet")
    test_rows = params.sample.test_size or len(pd.read_parquet(RAW / "test.parquet"))
    dev_rows = params.sample.dev_size
    check_dev_split(dev_rows, len(train))
    check_sizes(params.grid, len(train) - dev_rows, params.methods.get("icl_few") and
                params.methods["icl_few"].shots)  # fmt: skip
    tokenizer = load_tokenizer(MODEL)
    check_fits_context(params, tokenizer, model_context(MODEL))
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
    here = "cuda" if torch.cuda.is_available() else "cpu"
    if args.no_probe or (args.device and args.device != here):
        throughput, measured = table_throughput(args.device or here, params)
    else:
        throughput, measured = probe_throughput(params, train, tokenizer, pattern_tokens)
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
