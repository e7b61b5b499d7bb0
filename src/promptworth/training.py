"""The training loop shared by every method: AdamW, linear warm-up and decay, a fixed step budget.

Methods differ only in which parameters train and in the loss of a batch of example indices; the
loop, the step rule and the seeding are common, so the comparison between methods is fair.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .batching import lm_batch

LossFn = Callable[[list[int]], torch.Tensor]


@dataclass(frozen=True)
class TrainSettings:
    steps: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float


def num_training_steps(
    size: int, batch_size: int, epochs: int, min_steps: int, max_steps: int | None
) -> int:
    """epochs * ceil(size / batch_size), clamped to [min_steps, max_steps]: one rule for every
    method, so tiny subsets still get enough updates and large ones stay within budget."""
    steps = max(epochs * math.ceil(size / batch_size), min_steps)
    return min(steps, max_steps) if max_steps is not None else steps


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def epoch_batches(
    num_examples: int, batch_size: int, steps: int, generator: torch.Generator
) -> Iterator[list[int]]:
    """`steps` batches of example indices: a fresh shuffle each epoch, the last partial batch of an
    epoch kept (a 10-example subset still sees all 10 each epoch)."""
    produced = 0
    while True:
        order = torch.randperm(num_examples, generator=generator).tolist()
        for start in range(0, num_examples, batch_size):
            if produced == steps:
                return
            yield order[start : start + batch_size]
            produced += 1


def make_optimizer(
    model: nn.Module, learning_rate: float, weight_decay: float
) -> torch.optim.AdamW:
    """AdamW without weight decay on biases and normalisation weights (the usual recipe)."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (no_decay if param.ndim < 2 or "norm" in name.lower() else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=learning_rate)


def linear_schedule(optimizer: torch.optim.Optimizer, steps: int, warmup_ratio: float):
    warmup = int(round(steps * warmup_ratio))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (steps - step) / max(1, steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def evaluation_steps(steps: int, count: int) -> set[int]:
    """`count` evenly spaced steps (1-based) at which to measure dev accuracy; always the last."""
    return {max(1, round(steps * k / count)) for k in range(1, count + 1)}


def train_loop(
    model: nn.Module,
    loss_fn: LossFn,
    num_examples: int,
    settings: TrainSettings,
    seed: int,
    on_evaluate: Callable[[int], dict[str, float]] | None = None,
    evaluate_at: set[int] | None = None,
    log: Callable[[int, dict[str, float]], None] | None = None,
    progress: bool = True,
) -> list[dict[str, float]]:
    """Run `settings.steps` optimiser steps; return the history of logged values."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = make_optimizer(model, settings.learning_rate, settings.weight_decay)
    scheduler = linear_schedule(optimizer, settings.steps, settings.warmup_ratio)
    trainable = [p for p in model.parameters() if p.requires_grad]
    history = []
    batches = epoch_batches(num_examples, settings.batch_size, settings.steps, generator)
    with tqdm(total=settings.steps, desc="train", unit="step", disable=not progress) as bar:
        for step, batch in enumerate(batches, start=1):
            model.train()
            loss = loss_fn(batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            record = {"step": step, "train_loss": float(loss.item())}
            if on_evaluate is not None and evaluate_at and step in evaluate_at:
                record.update(on_evaluate(step))
            history.append(record)
            if log is not None:
                log(step, record)
            bar.set_postfix(loss=f"{record['train_loss']:.3f}")
            bar.update()
    return history


def lm_target_loss(
    model: nn.Module,
    prompt_ids: Sequence[Sequence[int]],
    target_ids: Sequence[Sequence[int]],
    pad_id: int,
    device: torch.device,
    autocast_ctx: Callable,
) -> LossFn:
    """Next-token cross-entropy on the target tokens only (the prompt method's loss)."""

    def loss(batch: list[int]) -> torch.Tensor:
        ids, mask, labels = lm_batch(
            [prompt_ids[i] for i in batch], [target_ids[i] for i in batch], pad_id
        )
        with autocast_ctx():
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        # Position t predicts token t+1: shift, then average over the target tokens.
        return nn.functional.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]),
            labels[:, 1:].reshape(-1).to(device),
            ignore_index=-100,
        )

    return loss


def classification_loss(
    logits_fn: Callable[[list[int]], torch.Tensor], labels: Sequence[int], device: torch.device
) -> LossFn:
    """Cross-entropy over the class logits of a batch (both head methods)."""
    targets = torch.tensor(list(labels), dtype=torch.long)

    def loss(batch: list[int]) -> torch.Tensor:
        return nn.functional.cross_entropy(logits_fn(batch).float(), targets[batch].to(device))

    return loss
