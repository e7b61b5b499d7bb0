"""The rules every trained method shares, so the comparison between methods is fair: how many
steps a run takes, the order its examples come in, when dev accuracy is measured, and when
training stops (and which weights it keeps)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from promptworth.lm.batching import length_grouped_order


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
