"""Dynamic padding: each batch is padded to its own longest sequence, not a global maximum."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

IGNORE_INDEX = -100  # positions the LM loss skips (prompt tokens and padding)


def pad_batch(
    seqs: Sequence[Sequence[int]], pad_id: int, side: str = "right"
) -> tuple[torch.Tensor, torch.Tensor]:
    """input_ids and attention_mask for a list of token-id lists; `side` is where padding goes
    (right for training and scoring, left for batched generation)."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        sl = slice(0, len(s)) if side == "right" else slice(width - len(s), width)
        ids[i, sl] = torch.tensor(s, dtype=torch.long)
        mask[i, sl] = 1
    return ids, mask


def lm_batch(
    prompt_ids: Sequence[Sequence[int]], target_ids: Sequence[Sequence[int]], pad_id: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """prompt + target, right-padded, with labels set only on the target tokens.

    Labels are taken from the attention mask and the prompt length, never from the pad id: GPT-2
    and SmolLM pad with EOS, and masking by id would also hide real EOS tokens.
    """
    seqs = [list(p) + list(t) for p, t in zip(prompt_ids, target_ids, strict=True)]
    ids, mask = pad_batch(seqs, pad_id)
    labels = torch.full_like(ids, IGNORE_INDEX)
    for i, (p, t) in enumerate(zip(prompt_ids, target_ids, strict=True)):
        labels[i, len(p) : len(p) + len(t)] = ids[i, len(p) : len(p) + len(t)]
    return ids, mask, labels


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Index batches in order of length (for inference): similar lengths share a batch, so little
    compute is spent on padding. Callers scatter results back by index."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]
