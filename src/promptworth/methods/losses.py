"""The two losses: next-token cross-entropy on the target tokens only (the prompt methods), and
cross-entropy over class logits (both heads); each the loss of a batch of example indices."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from promptworth.lm.batching import lm_batch, to_device

# The loss of a batch of example indices, computed with the module it is given: the plain model,
# or its DistributedDataParallel wrapper (whose forward is what synchronises gradients).
LossFn = Callable[[nn.Module, list[int]], torch.Tensor]


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
    every_position: bool = False,
    length_buckets: Sequence[int] | None = None,
) -> LossFn:
    """Next-token cross-entropy on the target tokens only (the prompt method's loss). `pad_to`
    pads every batch to a fixed length instead of its own longest (for the benchmark).

    The LM head (hidden x vocabulary per position: a fifth of SmolLM2's step, most of Gemma-3's
    with its 262k words) runs only at the positions that predict a target token in some row of
    the batch (`logits_to_keep` with those positions, counted from the end so prompt tuning's
    prepended virtual tokens do not shift them); the loss is the same sum over the same
    tokens. `every_position` computes the head everywhere, as before (the benchmark's naive
    form). `length_buckets`: pad each batch to the smallest bucket that holds it (a batch longer
    than every bucket keeps its own length), so a compiled step sees a few fixed shapes."""

    def loss(model: nn.Module, batch: list[int]) -> torch.Tensor:
        prompts, targets = [prompt_ids[i] for i in batch], [target_ids[i] for i in batch]
        longest = max(len(p) + len(t) for p, t in zip(prompts, targets, strict=True))
        ids, mask, labels = lm_batch(
            prompts, targets, pad_id, pad_to or bucket_length(longest, length_buckets)
        )
        width = ids.shape[1]
        if every_position:
            keep = list(range(width - 1))  # position t predicts token t + 1; the last, nothing
        else:
            pairs = zip(prompts, targets, strict=True)
            keep = sorted({len(p) - 1 + k for p, t in pairs for k in range(len(t))})
        with autocast_ctx():
            logits = model(
                input_ids=to_device(ids, device),
                attention_mask=to_device(mask, device),
                logits_to_keep=to_device(torch.tensor(keep) - width, device),
            ).logits
        return nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]),
            to_device(labels[:, [k + 1 for k in keep]].reshape(-1), device),
            ignore_index=-100,
        )

    return loss


def bucket_length(longest: int, buckets: Sequence[int] | None) -> int | None:
    """The smallest bucket that holds `longest` tokens; None (pad to the batch's own longest)
    without buckets or when every bucket is shorter."""
    return next((b for b in sorted(buckets or ()) if b >= longest), None)


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
