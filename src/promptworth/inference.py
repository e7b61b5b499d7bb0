"""Reading labels off models: head argmax, frozen features, rank classification, generation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel

from .batching import length_sorted_batches, pad_batch
from .modeling import HeadClassifier, autocast, last_token_states


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


def label_byte_lengths(label_words: Sequence[str]) -> np.ndarray:
    """Length normaliser of lm-evaluation-harness's acc_norm: the continuation's UTF-8 bytes."""
    return np.array([len(w.encode("utf-8")) for w in label_words], dtype=np.float64)


def _scoring_plan(label_ids: Sequence[Sequence[int]]) -> list[int | None]:
    """Which continuation each forward pass appends: one pass per multi-token label; labels of a
    single token are read off the logits at the prompt's end of any pass, so when all labels are
    single tokens, one pass of the prompt alone scores every label."""
    multi = [j for j, ids in enumerate(label_ids) if len(ids) > 1]
    return multi or [None]


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
    array; its argmax is the rank-classification prediction (lm-evaluation-harness style)."""
    model.eval()
    plan = _scoring_plan(label_ids)
    jobs = [(i, j) for i in range(len(prompt_ids)) for j in plan]  # (example, appended label)
    seqs = [list(prompt_ids[i]) + (list(label_ids[j]) if j is not None else []) for i, j in jobs]
    scores = np.zeros((len(prompt_ids), len(label_ids)))
    with _progress(len(jobs), "rank", progress) as bar:
        for idx in length_sorted_batches([len(s) for s in seqs], batch_size):
            ids, mask = pad_batch([seqs[k] for k in idx], pad_id)
            with autocast(device, dtype):
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            logprobs = torch.log_softmax(logits.float(), dim=-1).cpu()
            for row, k in enumerate(idx):
                i, appended = jobs[k]
                end = len(prompt_ids[i]) - 1  # the position that predicts the first label token
                for j, ids_j in enumerate(label_ids):
                    if j == appended:
                        positions = torch.arange(end, end + len(ids_j))
                        scores[i, j] = logprobs[row, positions, ids_j].sum().item()
                    elif len(ids_j) == 1:
                        scores[i, j] = logprobs[row, end, ids_j[0]].item()
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
