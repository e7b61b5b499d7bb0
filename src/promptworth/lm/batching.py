"""Dynamic padding: each batch is padded to its own longest sequence, not a global maximum."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

IGNORE_INDEX = -100  # positions the LM loss skips (prompt tokens and padding)


def pad_batch(
    seqs: Sequence[Sequence[int]], pad_id: int, side: str = "right", width: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """input_ids and attention_mask for a list of token-id lists; `side` is where padding goes
    (right for training, left for generation and scoring). `width` pads further, to a fixed
    length (the naive scheme the benchmark compares against)."""
    width = max([len(s) for s in seqs] + [width or 0])
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        sl = slice(0, len(s)) if side == "right" else slice(width - len(s), width)
        ids[i, sl] = torch.tensor(s, dtype=torch.long)
        mask[i, sl] = 1
    return ids, mask


def lm_batch(
    prompt_ids: Sequence[Sequence[int]],
    target_ids: Sequence[Sequence[int]],
    pad_id: int,
    width: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """prompt + target, right-padded, with labels set only on the target tokens.

    Labels are taken from the attention mask and the prompt length, never from the pad id: GPT-2
    and SmolLM pad with EOS, and masking by id would also hide real EOS tokens.
    """
    seqs = [list(p) + list(t) for p, t in zip(prompt_ids, target_ids, strict=True)]
    ids, mask = pad_batch(seqs, pad_id, width=width)
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


def length_grouped_order(
    lengths: Sequence[int], batch_size: int, generator: torch.Generator, mega_batches: int = 50
) -> list[list[int]]:
    """One epoch of training batches with similar lengths inside each batch (less padding), still
    random: shuffle, cut into mega-batches of `mega_batches` batches, sort each by length, split
    into batches, shuffle the batches (the recipe of transformers' group_by_length)."""
    order = torch.randperm(len(lengths), generator=generator).tolist()
    span = batch_size * mega_batches
    batches = []
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: -lengths[i])
        batches += [chunk[k : k + batch_size] for k in range(0, len(chunk), batch_size)]
    shuffle = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[k] for k in shuffle]


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Host-to-GPU copy from pinned memory, asynchronous so it overlaps the previous step."""
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)
