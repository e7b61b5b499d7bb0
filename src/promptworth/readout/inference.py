"""Reading labels off models: head argmax, frozen features, rank classification, generation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from tqdm.auto import tqdm

from promptworth.lm.batching import length_sorted_batches, pad_batch
from promptworth.lm.modeling import HeadClassifier, autocast, last_token_states

if TYPE_CHECKING:  # annotations only: loading transformers' model classes costs seconds
    from transformers import PreTrainedModel


def grow_batch_size(
    probe: Callable[[int], object], start: int, device: torch.device, limit: int = 4096
) -> int:
    """On CUDA, the largest batch size (doubling from `start`) whose `probe` on the longest inputs
    runs without running out of memory and peaks below 80% of the card; `start` on CPU, where a
    bigger batch buys little."""
    if device.type != "cuda":
        return start
    total = torch.cuda.get_device_properties(device).total_memory
    best, size = start, start
    while size <= limit:
        torch.cuda.reset_peak_memory_stats(device)
        try:
            probe(size)
        except torch.OutOfMemoryError:
            break
        finally:
            torch.cuda.empty_cache()
        best = size
        if torch.cuda.max_memory_allocated(device) > 0.4 * total:  # doubling would pass 80%
            break
        size *= 2
    return best


def dev_metrics(scores: np.ndarray, labels) -> dict[str, float]:
    """Dev accuracy (argmax of the (examples, classes) scores) and dev loss: the cross-entropy of
    the classes' softmax, i.e. head logits, or label-word log-likelihoods renormalised over the
    labels. The loss breaks ties between checkpoints of equal accuracy."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return {
        "dev_accuracy": float((scores.argmax(axis=1) == labels).mean()),
        "dev_loss": float(-log_probs[np.arange(len(labels)), labels].mean()),
    }


def _progress(total: int, desc: str, enabled: bool) -> tqdm:
    return tqdm(total=total, desc=desc, unit="ex", disable=not enabled, leave=False)


@torch.no_grad()
def frozen_features(
    backbone: PreTrainedModel,
    input_ids: Sequence[Sequence[int]],
    pad_id: int,
    batch_size: int,
    device: torch.device,
    dtype: torch.dtype | None = None,
    progress: bool = True,
) -> torch.Tensor:
    """Last non-pad hidden state of each sequence (float32, on CPU), in input order."""
    backbone.eval()
    out = torch.zeros(len(input_ids), backbone.config.hidden_size)
    with _progress(len(input_ids), "features", progress) as bar:
        for idx in length_sorted_batches([len(s) for s in input_ids], batch_size):
            ids, mask = pad_batch([input_ids[i] for i in idx], pad_id)
            ids, mask = ids.to(device), mask.to(device)
            with autocast(device, dtype):
                hidden = backbone(input_ids=ids, attention_mask=mask).last_hidden_state
            out[idx] = last_token_states(hidden, mask).float().cpu()
            bar.update(len(idx))
    return out


@torch.no_grad()
def head_logits(
    model: HeadClassifier,
    input_ids: Sequence[Sequence[int]],
    pad_id: int,
    batch_size: int,
    device: torch.device,
    dtype: torch.dtype | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Class logits of the head classifier for each sequence, in input order."""
    model.eval()
    feats = frozen_features(model.backbone, input_ids, pad_id, batch_size, device, dtype, progress)
    return model.head(feats.to(device)).float().cpu().numpy()


def scoring_plan(label_ids: Sequence[Sequence[int]]) -> list[int | None]:
    """Which continuation each forward pass appends: one pass per multi-token label; labels of a
    single token are read off the logits at the prompt's end of any pass, so when all labels are
    single tokens, one pass of the prompt alone scores every label."""
    multi = [j for j, ids in enumerate(label_ids) if len(ids) > 1]
    return multi or [None]


def position_ids_for(mask: torch.Tensor) -> torch.Tensor:
    """Positions counted from each row's first real token, so a left-padded row sees the same
    positions as it would alone (GPT-2 and Llama otherwise number the padding too)."""
    return (mask.cumsum(dim=-1) - 1).clamp(min=0)


@torch.no_grad()
def rank_classify(
    model: PreTrainedModel,
    prompt_ids: Sequence[Sequence[int]],
    label_ids: Sequence[Sequence[int]],
    pad_id: int,
    batch_size: int,
    device: torch.device,
    dtype: torch.dtype | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Summed log-likelihood of each label's tokens given each prompt: an (examples, labels)
    array; its argmax is the rank-classification prediction (lm-evaluation-harness style).

    Sequences are left-padded, so every row's label tokens sit at the same last positions: the
    LM head (a hidden x vocabulary product per position) runs only there (`logits_to_keep`), and
    the few log-probabilities needed are gathered on the device before anything is copied back.
    """
    model.eval()
    plan = scoring_plan(label_ids)
    jobs = [(i, j) for i in range(len(prompt_ids)) for j in plan]  # (example, appended label)
    seqs = [list(prompt_ids[i]) + (list(label_ids[j]) if j is not None else []) for i, j in jobs]
    appended = [0 if j is None else len(label_ids[j]) for _, j in jobs]
    scores = np.zeros((len(prompt_ids), len(label_ids)))
    with _progress(len(jobs), "rank", progress) as bar:
        for idx in length_sorted_batches([len(s) for s in seqs], batch_size):
            ids, mask = pad_batch([seqs[k] for k in idx], pad_id, side="left")
            keep = max(appended[k] for k in idx) + 1
            with autocast(device, dtype):
                logits = model(
                    input_ids=ids.to(device),
                    attention_mask=mask.to(device),
                    position_ids=position_ids_for(mask).to(device),
                    logits_to_keep=keep,
                ).logits
            logprobs = torch.log_softmax(logits.float(), dim=-1)  # (batch, keep, vocab)
            rows, positions, tokens, cells = [], [], [], []
            for row, k in enumerate(idx):
                i, j_appended = jobs[k]
                end = keep - appended[k] - 1  # kept position that predicts a label's first token
                for j, ids_j in enumerate(label_ids):
                    if j == j_appended:
                        targets = list(enumerate(ids_j))
                    elif len(ids_j) == 1 and j_appended == plan[0]:  # scored once per example
                        targets = [(0, ids_j[0])]
                    else:
                        continue
                    for offset, tok in targets:
                        rows.append(row)
                        positions.append(end + offset)
                        tokens.append(tok)
                        cells.append((i, j))
            picked = logprobs[rows, positions, tokens].cpu().numpy()
            for (i, j), value in zip(cells, picked, strict=True):
                scores[i, j] += value
            bar.update(len(idx))
    return scores


@torch.no_grad()
def generate_greedy(
    model: PreTrainedModel,
    prompt_ids: Sequence[Sequence[int]],
    pad_id: int,
    max_new_tokens: int,
    batch_size: int,
    device: torch.device,
    dtype: torch.dtype | None = None,
    progress: bool = True,
) -> list[list[int]]:
    """Greedy continuation token ids for each prompt, batched with left padding (so every row's
    next token follows its own last prompt token)."""
    model.eval()
    outputs: list[list[int]] = [[] for _ in prompt_ids]
    with _progress(len(prompt_ids), "generate", progress) as bar:
        for idx in length_sorted_batches([len(p) for p in prompt_ids], batch_size):
            ids, mask = pad_batch([prompt_ids[i] for i in idx], pad_id, side="left")
            with autocast(device, dtype):
                generated = model.generate(
                    input_ids=ids.to(device),
                    attention_mask=mask.to(device),
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=pad_id,
                )
            for row, i in enumerate(idx):
                outputs[i] = generated[row, ids.shape[1] :].tolist()
            bar.update(len(idx))
    return outputs
