"""Train one run of the head or prompt family, in memory.

With several candidate learning rates the run trains once per candidate, from the same seed, and
keeps the one with the best dev accuracy (ties: lower dev loss, then the later candidate): every
choice is made on dev rows, and the record (train.json) keeps them all. With several processes
(DDP), every process trains its shard and only the main one returns the model. The run stage
(methods/one_run.py) then scores the model and saves it only if train.keep_checkpoint asks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from promptworth.config.methods import Run
from promptworth.config.schema import LearningRate, Params
from promptworth.core.errors import ParamsError
from promptworth.core.hardware import precision_word, select_runtime
from promptworth.core.paths import MODEL
from promptworth.core.records import TrainLog
from promptworth.data.runs import load_run_data
from promptworth.lm.modeling import RuntimeOptions, load_tokenizer, peak_memory_mib
from promptworth.methods.registry import behaviour
from promptworth.methods.steps import num_training_steps
from promptworth.methods.training import TrainContext, TrainResult, TrainSettings


def count_trainable(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_settings(run: Run, params: Params, rate: LearningRate) -> TrainSettings:
    """The shared training settings with the run's own step budget and learning rates."""
    t = params.train
    return TrainSettings(
        num_training_steps(run.size, t.batch_size, t.epochs, t.min_steps, t.max_steps),
        t.batch_size,
        rate.lm,
        t.weight_decay,
        t.warmup_ratio,
        t.group_by_length,
        eval_interval=t.early_stopping.eval_interval,
        patience=t.early_stopping.patience,
        min_steps=t.min_steps,
        head_learning_rate=rate.head,
    )


def dev_rows_used(params: Params, candidates: int, dev_rows: int) -> int:
    """Labelled dev rows a run's choices read (its budget beside its training rows): all of
    them when dev accuracy picks a step (early stopping) or a learning rate; none otherwise."""
    chooses = params.train.early_stopping.patience is not None or candidates > 1
    return dev_rows if chooses else 0


def selection_key(result: TrainResult) -> tuple[float, float]:
    """How candidates compare: dev accuracy at the kept step, then lower dev loss."""
    kept = result.kept_evaluation
    return (kept.get("dev_accuracy", 0.0), -kept.get("dev_loss", 0.0))


@dataclass
class TrainedRun:
    """A trained run in memory: the chosen model (on the CPU), what training did (train.json,
    reproducible) and what it cost (measured)."""

    model: nn.Module
    record: dict
    seconds: float
    peak_memory_mib: float
    device: str
    processes: int
    precision: str  # of training: "bf16" (autocast) or "fp32"


def train_run(run: Run, params: Params, accelerator, log_dir: Path | None) -> TrainedRun | None:
    """Train `run` (once per candidate learning rate, keeping the best on dev rows) and return
    it in memory; None in the non-main processes of a multi-process run, which only help train.
    Writes only the DVCLive curves, under `log_dir` (None: a non-main process)."""
    spec, t, trainer = run.spec, params.train, behaviour(run).trainer
    is_main = accelerator.is_main_process
    runtime = select_runtime(params.gpu, t.cpu_bf16, "train.cpu_bf16")
    device, dtype = runtime.device, runtime.dtype
    if is_main:
        runtime.announce()
    if accelerator.num_processes > 1:
        device = accelerator.device
    if t.precision == "bf16" and device.type != "cuda":
        raise ParamsError(
            f"params.yaml: 'train.precision' is bf16 (bf16 weights), which is for CUDA training; "
            f"this run trains on {device.type}: use mixed (train.cpu_bf16 sets CPU autocast)"
        )
    features_dtype = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16").dtype
    pattern = params.pattern_for(run) if spec.reads_pattern else None
    data = load_run_data(
        run.size,
        run.seed,
        pattern.template if pattern else None,
        pattern.label_words if pattern else (),
    )
    rates = params.methods[run.method].learning_rates
    steps = train_settings(run, params, rates[0]).steps
    if is_main:
        print(
            f"{run.name}: {len(data.train)} examples, {steps} steps of {t.batch_size} on "
            f"{device} x{accelerator.num_processes}, learning rate "
            + " or ".join(describe_rate(r) for r in rates)
        )
    tokenizer = load_tokenizer(MODEL)
    start = time.perf_counter()
    best, tried = None, []
    for k, rate in enumerate(rates):
        log = TrainLog(log_dir / f"lr-{k}" if log_dir and len(rates) > 1 else log_dir)
        ctx = TrainContext(
            model_dir=MODEL,
            tokenizer=tokenizer,
            settings=train_settings(run, params, rate),
            seed=run.seed,
            device=device,
            dtype=dtype,
            eval_batch_size=t.eval_batch_size,
            options=RuntimeOptions(
                t.compile, t.gradient_checkpointing, t.length_buckets, t.precision == "bf16"
            ),
            log=log,
            accelerator=accelerator,
            evaluate_dev=dev_rows_used(params, len(rates), len(data.dev)) > 0,
            features_dtype=features_dtype,
        )
        model, result = trainer.train(run, params, data, ctx)
        log.close({"steps": result.steps_run, "chosen_step": result.chosen_step})
        tried.append({"learning_rate": rate.lm, "head_learning_rate": rate.head,
                      **_summary(result)})  # fmt: skip
        if best is None or selection_key(result) >= selection_key(best[1]):
            best = (model.cpu() if is_main else model, result, k)
        del model
    seconds = time.perf_counter() - start
    if not is_main:
        return None
    model, result, chosen = best
    record = {
        **run.identity(),
        "planned_steps": steps,
        **_summary(result),
        "epochs": round(result.examples_seen / len(data.train), 3),
        "epochs_at_chosen_step": round(result.examples_at_chosen / len(data.train), 3),
        "learning_rate": rates[chosen].lm,
        "head_learning_rate": rates[chosen].head,
        "learning_rate_candidates": tried,
        "dev_rows_used": dev_rows_used(params, len(rates), len(data.dev)),
        "trainable_parameters": count_trainable(model),
        "history": result.history,
    }
    print(
        f"{run.name}: trained in {seconds:.1f}s, {result.steps_run}/{steps} steps, kept step "
        f"{result.chosen_step}, learning rate {describe_rate(rates[chosen])}"
        + (f" (best of {len(rates)} on dev)" if len(rates) > 1 else "")
    )
    return TrainedRun(
        model, record, seconds, peak_memory_mib(device), str(device), accelerator.num_processes,
        precision_word(dtype is not None),
    )  # fmt: skip


def describe_rate(rate: LearningRate) -> str:
    """`2e-05`, or `2e-05 (backbone), head 0.01` where a fresh head has its own rate."""
    if rate.head is None or rate.head == rate.lm:
        return f"{rate.lm:g}"
    return f"{rate.lm:g} (backbone), head {rate.head:g}"


def _summary(result: TrainResult) -> dict:
    """What one training did, reproducibly (no timings)."""
    return {
        "steps": result.steps_run,
        "chosen_step": result.chosen_step,
        "stopped_early": result.stopped_early,
        "examples_seen": result.examples_seen,
        "examples_at_chosen_step": result.examples_at_chosen,
        "train_tokens": result.train_tokens,
        "kept_dev": result.kept_evaluation,
    }
