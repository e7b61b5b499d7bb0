"""What the plan stage measures before it estimates: token lengths of real rows, and the
throughput it scales them by (the probe on this machine, or the fixed table as a fallback).

The estimate itself (steps, tokens, seconds per run) is analysis/plan.py; pipeline/plan.py reads
params, calls these, prints and writes data/plan.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from promptworth.analysis.plan import Throughput
from promptworth.analysis.probe import cached_probe, describe_probe, measure_throughput, probe_key
from promptworth.core.hardware import cpu_bf16_chosen, precision_word, process_age_s, select_runtime
from promptworth.data.prompts import format_prompt, input_separator, join_inputs

THROUGHPUT = Path("bench/throughput.json")
SAMPLE_ROWS = 2000  # rows tokenised to estimate the mean input length
PROBE_ROWS = 256  # real rows the probe draws its batches from
# DVC's own work around each stage (reading dvc.yaml and params, hashing and caching outputs,
# writing dvc.lock), which the probe cannot see: bench/dvc_overhead.py measured ~1-4 s per stage.
DVC_STAGE_S = 4.0


def token_lengths(params, train: pd.DataFrame, tokenizer) -> tuple[float, dict[str, int]]:
    """The mean input's tokens (cut to format.max_input_tokens) over a sample of real training
    rows, and each pattern's own tokens (its template with empty slots)."""
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
    return article, pattern_tokens


def table_throughput(device: str, params, table_file: Path = THROUGHPUT) -> tuple[Throughput, dict]:
    """The fixed table's figures for `device` (measured on one named machine): the fallback."""
    table = json.loads(table_file.read_text())
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
    params, train: pd.DataFrame, tokenizer, pattern_tokens, model_dir: Path, cache_dir: Path
) -> tuple[Throughput, dict]:
    """Throughput measured on this machine by a short probe of the model in `model_dir`
    (cached in `cache_dir`)."""
    started = process_age_s()  # imports so far: every stage pays them
    train_rt = select_runtime(params.gpu, params.train.cpu_bf16, "train.cpu_bf16")
    infer_rt = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
    infer_rt.announce()
    rows = probe_rows(params, train, tokenizer, pattern_tokens)
    t = params.train
    key = probe_key(model_dir, infer_rt.line, t.batch_size, params.eval.batch_size,
                    sum(map(len, rows)) / len(rows), train_rt.dtype is not None,
                    infer_rt.dtype is not None)  # fmt: skip
    result, cached = cached_probe(
        cache_dir,
        key,
        lambda: measure_throughput(
            model_dir,
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
