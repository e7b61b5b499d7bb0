"""The training loop shared by every method: AdamW, linear warm-up and decay, the step budget,
dev evaluations and early stopping (the rules in steps.py).

Methods differ only in which parameters train and in the loss of a batch of example indices
(losses.py); the loop, the step rule, the stopping rule and the seeding are common, so the
comparison between methods is fair.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from promptworth.lm.modeling import RuntimeOptions
from promptworth.methods.losses import LossFn, shard
from promptworth.methods.steps import (
    EarlyStopping,
    epoch_batches,
    evaluation_steps,
)


@dataclass(frozen=True)
class TrainSettings:
    steps: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    group_by_length: bool = False  # batch examples of similar length together (less padding)
    eval_interval: int | None = None  # dev evaluation every this many steps (and at the end)
    patience: int | None = None  # stop after this many evaluations without a new best
    min_steps: int = 0  # early stopping never ends a run before this step
    # Peak rate of the parameters under a `head` submodule (a freshly initialised classifier
    # head trained with a pretrained LM); None = learning_rate for every parameter.
    head_learning_rate: float | None = None


@dataclass(frozen=True)
class TrainContext:
    """What every trainer needs besides its rows: the base LM, the settings, the seed, where to
    run and where to log."""

    model_dir: Path
    tokenizer: Any
    settings: TrainSettings
    seed: int
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    dtype: torch.dtype | None = None  # autocast dtype (None: float32)
    eval_batch_size: int = 32
    options: RuntimeOptions = field(default_factory=RuntimeOptions)
    log: Callable[[int, dict[str, float]], None] | None = None
    accelerator: Any = None  # None: this process alone
    # Measure dev accuracy during training: only where a choice reads it (early stopping, a
    # learning rate picked on dev), so a fixed-step run reads no dev row at all.
    evaluate_dev: bool = True
    # The precision of the features stage (eval.cpu_bf16): head_frozen computes its training
    # rows' features in it, so its head trains on the same numbers it is tested on.
    features_dtype: torch.dtype | None = None


@dataclass
class TrainResult:
    history: list[dict[str, float]]  # one record per step: train_loss, dev metrics when measured
    steps_run: int  # optimiser steps taken (fewer than planned when stopped early)
    chosen_step: int  # the step whose weights were kept (best dev accuracy, else the last)
    stopped_early: bool
    train_tokens: int  # real (non-pad) tokens through the model, forward and backward
    examples_seen: int = 0  # training examples drawn, over every step run (all processes)
    examples_at_chosen: int = 0  # ... up to the chosen step: what the kept weights have seen
    kept_evaluation: dict = field(default_factory=dict)  # dev metrics of the kept weights


def make_optimizer(
    model: nn.Module,
    learning_rate: float,
    weight_decay: float,
    *,
    fused: bool = False,
    head_learning_rate: float | None = None,
) -> torch.optim.AdamW:
    """AdamW without weight decay on biases and normalisation weights (the usual recipe); `fused`
    (CUDA only) updates every parameter in one kernel instead of one per tensor. Parameters of a
    top-level `head` submodule take `head_learning_rate` when it is given."""
    groups: dict[tuple[float, float], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        decay = 0.0 if param.ndim < 2 or "norm" in name.lower() else weight_decay
        is_head = head_learning_rate is not None and name.startswith("head.")
        rate = head_learning_rate if is_head else learning_rate
        groups.setdefault((rate, decay), []).append(param)
    return torch.optim.AdamW(
        [{"params": ps, "lr": rate, "weight_decay": decay} for (rate, decay), ps in groups.items()],
        lr=learning_rate,
        fused=fused,
    )


def linear_schedule(optimizer: torch.optim.Optimizer, steps: int, warmup_ratio: float):
    warmup = int(round(steps * warmup_ratio))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (steps - step) / max(1, steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


# Train losses stay on the device and are read in one transfer this often (and at each dev
# evaluation and the end): a `.item()` every step makes the host wait for the GPU each step,
# which at batch 8 on a fast card costs more than the step (issue 36). On a CPU it changes
# nothing.
LOSS_READ_EVERY = 16


class DeferredLosses:
    """The per-step records of a training loop whose "train_loss" is filled in later: `add`
    keeps the step's loss tensor, `flush` reads every pending one in a single transfer and
    returns the records it completed, in step order."""

    def __init__(self, every: int = LOSS_READ_EVERY) -> None:
        self.every = every
        self.pending: list[tuple[dict, torch.Tensor]] = []

    def add(self, record: dict, loss: torch.Tensor) -> list[dict]:
        self.pending.append((record, loss.detach()))
        return self.flush() if len(self.pending) >= self.every else []

    def flush(self) -> list[dict]:
        if not self.pending:
            return []
        values = torch.stack([loss.float() for _, loss in self.pending]).cpu().tolist()
        done = []
        for (record, _), value in zip(self.pending, values, strict=True):
            record["train_loss"] = float(value)
            done.append(record)
        self.pending = []
        return done


def single_process_accelerator():
    """The Accelerator of a run in one process (CPU or one GPU); placement stays ours."""
    from promptworth.core.distributed import make_accelerator

    return make_accelerator()


def train_loop(
    model: nn.Module,
    loss_fn: LossFn,
    num_examples: int,
    settings: TrainSettings,
    seed: int,
    on_evaluate: Callable[[int], dict[str, float]] | None = None,
    log: Callable[[int, dict[str, float]], None] | None = None,
    progress: bool = True,
    lengths: Sequence[int] | None = None,
    accelerator=None,
) -> TrainResult:
    """Run up to `settings.steps` optimiser steps. `lengths` (tokens per example) counts the
    tokens processed and enables length-grouped batches when settings.group_by_length is set.

    `on_evaluate(step)` returns dev metrics (with "dev_accuracy"); it runs every
    settings.eval_interval steps and at the end. With settings.patience, training stops once
    that many evaluations in a row fail to beat the best, and the best weights are restored.

    One path for one process or several: everything goes through an `accelerate.Accelerator`
    (one process: no wrapping; several, launched by `accelerate launch`: DDP). Every process
    draws the same global batches (same seed) and takes its own shard of each, so the global
    batch, and the result in expectation, do not depend on the number of processes; only the
    main process evaluates, and its stopping decision is broadcast so every process leaves the
    loop at the same step.
    """
    accelerator = accelerator or single_process_accelerator()
    generator = torch.Generator().manual_seed(seed)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(
        model,
        settings.learning_rate,
        settings.weight_decay,
        fused=trainable[0].is_cuda,
        head_learning_rate=settings.head_learning_rate,
    )
    scheduler = linear_schedule(optimizer, settings.steps, settings.warmup_ratio)
    rank, world = accelerator.process_index, accelerator.num_processes
    train_model, optimizer = accelerator.prepare(model, optimizer)
    history = []
    grouped = lengths if settings.group_by_length else None
    batches = epoch_batches(num_examples, settings.batch_size, settings.steps, generator, grouped)
    evaluate_at = evaluation_steps(settings.steps, settings.eval_interval)
    first_pass = math.ceil(num_examples / settings.batch_size)
    stopper = EarlyStopping(model, settings.patience, settings.min_steps, first_pass)
    tokens, examples, step, stop = 0, 0, 0, False
    seen_by_step: list[int] = []
    show = progress and accelerator.is_main_process
    losses = DeferredLosses()

    def report(records: list[dict]) -> None:
        for record in records:
            if log is not None:
                log(record["step"], record)
        if records:
            bar.set_postfix(loss=f"{records[-1]['train_loss']:.3f}")

    with tqdm(total=settings.steps, desc="train", unit="step", disable=not show) as bar:
        for step, batch in enumerate(batches, start=1):
            train_model.train()
            mine = shard(batch, rank, world)
            examples += len(batch)
            seen_by_step.append(examples)
            loss = loss_fn(train_model, mine)
            if lengths is not None:
                tokens += sum(lengths[i] for i in mine)
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            record: dict = {"step": step}
            history.append(record)
            ready = losses.add(record, accelerator.reduce(loss.detach(), reduction="mean"))
            if on_evaluate is not None and step in evaluate_at:
                ready += losses.flush()  # the record is whole before the dev metrics join it
                if accelerator.is_main_process:
                    record.update(on_evaluate(step))
                    stop = stopper.update(step, record["dev_accuracy"], record.get("dev_loss"))
                flag = torch.tensor([int(stop)], device=accelerator.device)
                stop = bool(accelerator.gather(flag)[0])  # the main process decides
            report(ready)
            bar.update()
            if stop:
                break
        report(losses.flush())
    tokens = int(accelerator.reduce(torch.tensor(tokens, device=accelerator.device), "sum"))
    stopped_early = step < settings.steps
    if settings.patience is not None and on_evaluate is not None:
        stopper.restore_best()
        chosen = stopper.best_step
    else:
        chosen = step
    kept = {k: v for k, v in history[chosen - 1].items() if k.startswith("dev_")}
    return TrainResult(
        history, step, chosen, stopped_early, tokens, examples, seen_by_step[chosen - 1], kept
    )
