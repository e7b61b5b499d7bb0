"""The training loop shared by every method: AdamW, linear warm-up and decay, a step budget, dev
evaluations and early stopping.

Methods differ only in which parameters train and in the loss of a batch of example indices; the
loop, the step rule, the stopping rule and the seeding are common, so the comparison between
methods is fair.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .batching import length_grouped_order, lm_batch, to_device
from .modeling import RuntimeOptions

# The loss of a batch of example indices, computed with the module it is given: the plain model,
# or its DistributedDataParallel wrapper (whose forward is what synchronises gradients).
LossFn = Callable[[nn.Module, list[int]], torch.Tensor]


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


def num_training_steps(
    size: int, batch_size: int, epochs: int, min_steps: int, max_steps: int | None
) -> int:
    """epochs * ceil(size / batch_size), clamped to [min_steps, max_steps], and never fewer than
    one pass over the subset: one rule for every method, so tiny subsets still get enough
    updates, large ones stay within budget, and every point of a learning curve has seen all of
    its data (max_steps caps the extra epochs, not the first)."""
    one_pass = math.ceil(size / batch_size)
    steps = max(epochs * one_pass, min_steps)
    if max_steps is not None:
        steps = min(steps, max_steps)
    return max(steps, one_pass)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def epoch_batches(
    num_examples: int,
    batch_size: int,
    steps: int,
    generator: torch.Generator,
    lengths: Sequence[int] | None = None,
) -> Iterator[list[int]]:
    """`steps` batches of example indices: a fresh shuffle each epoch, the last partial batch of an
    epoch kept (a 10-example subset still sees all 10 each epoch). With `lengths`, batches group
    examples of similar length (see length_grouped_order) so less compute goes to padding."""
    produced = 0
    while True:
        if lengths is not None:
            epoch = length_grouped_order(lengths, batch_size, generator)
        else:
            order = torch.randperm(num_examples, generator=generator).tolist()
            epoch = [order[k : k + batch_size] for k in range(0, num_examples, batch_size)]
        for batch in epoch:
            if produced == steps:
                return
            yield batch
            produced += 1


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


def evaluation_steps(steps: int, interval: int | None) -> set[int]:
    """Steps (1-based) at which dev accuracy is measured: every `interval`, and the last."""
    if interval is None:
        return {steps}
    return set(range(interval, steps + 1, interval)) | {steps}


class EarlyStopping:
    """Track dev accuracy; keep a CPU copy of the trainable weights at the best evaluation, and
    say when `patience` evaluations in a row have not beaten it.

    Only evaluations from `first_eligible` on (one pass over the training subset) compete, so a
    kept model has seen all of its data; training never stops before `min_steps` or that pass.
    Equal dev accuracy (100 dev rows move in steps of 1%, so ties are common) goes to the lower
    dev loss, then to the later step, never to the earlier, less trained model."""

    def __init__(
        self, model: nn.Module, patience: int | None, min_steps: int, first_eligible: int = 0
    ):
        self.model, self.patience = model, patience
        self.min_steps, self.first_eligible = max(min_steps, first_eligible), first_eligible
        self.best: tuple[float, float] | None = None  # (accuracy, -loss): larger is better
        self.best_step, self.best_state, self.bad = 0, None, 0

    def update(self, step: int, accuracy: float, loss: float | None = None) -> bool:
        """Record an evaluation; True when training should stop."""
        if step < self.first_eligible:
            return False
        score = (accuracy, -loss if loss is not None else 0.0)
        if self.best is None or score >= self.best:  # >=: a tie goes to the later step
            improved = self.best is None or score[0] > self.best[0]
            self.best, self.best_step = score, step
            self.bad = 0 if improved else self.bad + 1
            if self.patience is not None:  # only early stopping needs to go back in time
                self.best_state = {
                    n: p.detach().to("cpu", copy=True)
                    for n, p in self.model.named_parameters()
                    if p.requires_grad
                }
            return self._stop(step)
        self.bad += 1
        return self._stop(step)

    def _stop(self, step: int) -> bool:
        return self.patience is not None and self.bad >= self.patience and step >= self.min_steps

    def restore_best(self) -> None:
        if self.best_state is None:
            return
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, value in self.best_state.items():
                params[name].copy_(value)


def single_process_accelerator():
    """The Accelerator of a run in one process (CPU or one GPU); placement stays ours."""
    from .distributed import make_accelerator

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
            loss = accelerator.reduce(loss.detach(), reduction="mean")
            record = {"step": step, "train_loss": float(loss.item())}
            if on_evaluate is not None and step in evaluate_at:
                if accelerator.is_main_process:
                    record.update(on_evaluate(step))
                    stop = stopper.update(step, record["dev_accuracy"], record.get("dev_loss"))
                flag = torch.tensor([int(stop)], device=accelerator.device)
                stop = bool(accelerator.gather(flag)[0])  # the main process decides
            history.append(record)
            if log is not None:
                log(step, record)
            bar.set_postfix(loss=f"{record['train_loss']:.3f}")
            bar.update()
            if stop:
                break
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


def shard(batch: list[int], rank: int, world: int) -> list[int]:
    """This process's share of a global batch; a process left without examples (a batch smaller
    than the number of processes) repeats one, so every process takes part in the all-reduce."""
    return batch[rank::world] or [batch[rank % len(batch)]]


def lm_target_loss(
    prompt_ids: Sequence[Sequence[int]],
    target_ids: Sequence[Sequence[int]],
    pad_id: int,
    device: torch.device,
    autocast_ctx: Callable,
    pad_to: int | None = None,
) -> LossFn:
    """Next-token cross-entropy on the target tokens only (the prompt method's loss). `pad_to`
    pads every batch to a fixed length instead of its own longest (for the benchmark)."""

    def loss(model: nn.Module, batch: list[int]) -> torch.Tensor:
        ids, mask, labels = lm_batch(
            [prompt_ids[i] for i in batch], [target_ids[i] for i in batch], pad_id, pad_to
        )
        with autocast_ctx():
            logits = model(
                input_ids=to_device(ids, device), attention_mask=to_device(mask, device)
            ).logits
        # Prompt tuning prepends virtual tokens to the output too: keep the batch's own positions.
        logits = logits[:, -ids.shape[1] :]
        # Position t predicts token t+1: shift, then average over the target tokens.
        return nn.functional.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]),
            to_device(labels[:, 1:].reshape(-1), device),
            ignore_index=-100,
        )

    return loss


def classification_loss(
    logits_fn: Callable[[nn.Module, list[int]], torch.Tensor],
    labels: Sequence[int],
    device: torch.device,
) -> LossFn:
    """Cross-entropy over the class logits of a batch (both head methods)."""
    targets = torch.tensor(list(labels), dtype=torch.long)

    def loss(model: nn.Module, batch: list[int]) -> torch.Tensor:
        logits = logits_fn(model, batch).float()
        return nn.functional.cross_entropy(logits, targets[batch].to(device))

    return loss
