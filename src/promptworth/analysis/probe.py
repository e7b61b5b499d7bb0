"""Throughput measured on the machine at hand, for the plan stage's estimate.

A few training steps and no-grad passes of the real model, on real rows at the grid's batch
sizes and precisions, take seconds and say what this CPU or card does, for each kind of work a
run does: an LM step (the prompt's next-token loss, whose LM head runs at every position), a
classifier step (head_full: the backbone and a linear head, no LM head), an LM scoring pass (the
LM head at the last positions only, as rank classification runs it) and a backbone pass
(features, head scoring). With a large vocabulary the LM head is most of an LM step (Gemma-3
has 262k words), so one figure for all kinds overestimates the heads. A fixed table measured on
another machine is off by several times in either direction (bf16 emulated or native, AVX2 or
AVX-512, a laptop or a server). The result is cached per model, device, threads and precision
(data/throughput/, never committed), so a second plan on the same machine measures nothing.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import torch

from promptworth.core.io import write_json
from promptworth.lm.batching import length_sorted_batches, pad_batch
from promptworth.lm.modeling import HeadClassifier, autocast, load_causal_lm

TRAIN_STEPS = 3  # timed training steps at most (after one untimed warm-up step)
INFER_PASSES = 3  # timed no-grad passes at most (after one untimed warm-up pass)
# The probe's budget: each of its four kinds of work stops timing (after at least one timed step)
# once it has used a quarter of this, so a slow or loaded machine costs ~a minute, not several.
PROBE_BUDGET_S = 60.0
LABEL_TOKENS = 2  # label tokens the LM step's loss reads per row (label words: 1-3 tokens)
# Positions whose logits a scoring pass keeps: a label's tokens and the one before them
# (rank_classify keeps the longest label's tokens + 1; label words are one to three tokens).
SCORED_POSITIONS = 3
PROBE_CLASSES = 4  # the linear head's width in the classifier step: any small number


@dataclass(frozen=True)
class ProbeResult:
    """Effective FLOP/s of this machine for each kind of work (6 x params per trained token, 2 x
    params per token read, always counting the whole LM's parameters, so a kind that skips the LM
    head shows a higher figure; real tokens only, so the padding of random batches is paid as in
    training) and the seconds a stage spends before its first step (imports, loading the model)."""

    train_flops: float  # LM step: next-token loss, LM head at the label positions (the prompt)
    head_train_flops: float  # classifier step: backbone and a linear head (head_full)
    infer_flops: float  # LM scoring pass: LM head at the last positions only (rank, generation)
    backbone_infer_flops: float  # backbone pass: no LM head (features, head scoring)
    startup_s: float
    train_step_s: float  # mean seconds of one LM step of batch_size rows
    head_step_s: float  # mean seconds of one classifier step of batch_size rows
    infer_pass_s: float  # mean seconds of one LM scoring pass of eval_batch_size rows
    backbone_pass_s: float  # mean seconds of one backbone pass of eval_batch_size rows
    tokens_per_row: float
    probe_s: float  # what the probe itself took


def probe_key(model_dir: Path, runtime_line: str, batch_size: int, eval_batch_size: int,
              tokens_per_row: float, train_bf16: bool, infer_bf16: bool) -> str:  # fmt: skip
    """What the measurement depends on: the model (its config and weight bytes), the device line
    (CPU name, threads; or the card), the batch sizes, the row length and both precisions."""
    weights = sorted(
        (p.name, p.stat().st_size) for p in model_dir.iterdir() if p.suffix == ".safetensors"
    )
    identity = {
        "config": (model_dir / "config.json").read_text(),
        "weights": weights,
        "device": runtime_line.split(";")[0],
        "batch_size": batch_size,
        "eval_batch_size": eval_batch_size,
        "tokens_per_row": round(tokens_per_row / 8) * 8,
        "train_bf16": train_bf16,
        "infer_bf16": infer_bf16,
        "version": 3,  # 3: the LM step with the head at label positions only; 2: four kinds
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def read_cached(cache_dir: Path, key: str) -> ProbeResult | None:
    path = cache_dir / f"probe-{key}.json"
    if not path.is_file():
        return None
    try:
        return ProbeResult(**json.loads(path.read_text()))
    except (ValueError, TypeError):  # an older or damaged file: measure again
        return None


def _lm_loss(model, ids, mask):
    """Next-token loss as the prompt's loss computes it (methods/losses.py): the LM head only
    at the positions that predict a row's label tokens (its last LABEL_TOKENS tokens here)."""
    lengths = mask.sum(dim=1).tolist()
    keep = sorted({n - 1 - k for n in lengths for k in range(1, LABEL_TOKENS + 1)})
    width = ids.shape[1]
    logits = model(
        input_ids=ids,
        attention_mask=mask,
        logits_to_keep=torch.tensor(keep, device=ids.device) - width,
    ).logits
    targets = ids[:, [k + 1 for k in keep]].masked_fill(mask[:, [k + 1 for k in keep]] == 0, -100)
    return torch.nn.functional.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100
    )


def _head_loss(classifier, ids, mask):
    """Cross-entropy of a linear head on the last hidden state, as head_full trains."""
    logits = classifier(ids, mask).float()
    return torch.nn.functional.cross_entropy(logits, torch.zeros_like(logits[:, 0]).long())


def _within_budget(times: list[float]) -> bool:
    """Keep timing: fewer than two passes so far (a warm-up and one timed), or this kind's
    share of PROBE_BUDGET_S not yet used."""
    return len(times) < 2 or sum(times) < PROBE_BUDGET_S / 4


def _train_step_seconds(model, loss_fn, batches, pad_id, device, dtype) -> list[float]:
    times: list[float] = []
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    for ids_list in batches:
        if not _within_budget(times):
            break
        ids, mask = pad_batch(ids_list, pad_id)
        ids, mask = ids.to(device), mask.to(device)
        start = time.perf_counter()
        with autocast(device, dtype):
            loss = loss_fn(model, ids, mask)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return times


@torch.no_grad()
def _infer_pass_seconds(model, forward, batches, pad_id, device, dtype) -> list[float]:
    times: list[float] = []
    model.eval()
    for ids_list in batches:
        if not _within_budget(times):
            break
        ids, mask = pad_batch(ids_list, pad_id, side="left")
        ids, mask = ids.to(device), mask.to(device)
        start = time.perf_counter()
        with autocast(device, dtype):
            forward(ids, mask)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def measure_throughput(
    model_dir: Path,
    rows: Sequence[Sequence[int]],
    pad_id: int,
    batch_size: int,
    eval_batch_size: int,
    device: torch.device,
    train_dtype: torch.dtype | None,
    infer_dtype: torch.dtype | None,
    startup_before_s: float = 0.0,
) -> ProbeResult:
    """Time up to TRAIN_STEPS training steps of each kind (random batches of `batch_size` rows, as
    training draws them) and INFER_PASSES no-grad passes of each kind (length-sorted batches of
    `eval_batch_size` rows, as scoring makes them), each after a warm-up and within its share of
    PROBE_BUDGET_S; `rows` are real token
    ids at the grid's length. `startup_before_s`: seconds the process spent before this call
    (imports)."""
    began = time.perf_counter()
    model = load_causal_lm(model_dir).to(device)
    startup = startup_before_s + time.perf_counter() - began
    parameters = sum(p.numel() for p in model.parameters())
    rng = random.Random(0)
    train_batches = [
        rng.sample(list(rows), min(batch_size, len(rows))) for _ in range(1 + TRAIN_STEPS)
    ]
    sorted_batches = list(length_sorted_batches([len(r) for r in rows], eval_batch_size))
    middle = len(sorted_batches) // 2  # a typical length, neither the shortest nor the longest
    picked = [sorted_batches[(middle + k) % len(sorted_batches)] for k in range(1 + INFER_PASSES)]
    infer_batches = [[rows[i] for i in idx] for idx in picked]

    # The classifier shares the LM's backbone (its weights, not a copy): no second load.
    classifier = HeadClassifier(model.base_model, PROBE_CLASSES).to(device)
    train = partial(_train_step_seconds, batches=train_batches, pad_id=pad_id, device=device,
                    dtype=train_dtype)  # fmt: skip
    infer = partial(_infer_pass_seconds, batches=infer_batches, pad_id=pad_id, device=device,
                    dtype=infer_dtype)  # fmt: skip

    def rate(times: list[float], batches, per_token: int) -> tuple[float, float]:
        """(FLOP/s, mean seconds) of the timed passes (all but the warm-up), on their tokens."""
        timed = times[1:]
        tokens = sum(len(r) for b in batches[1 : 1 + len(timed)] for r in b)
        return per_token * parameters * tokens / sum(timed), sum(timed) / len(timed)

    lm, lm_step = rate(train(model, _lm_loss), train_batches, 6)
    head, head_step = rate(train(classifier, _head_loss), train_batches, 6)
    scoring, scoring_pass = rate(infer(model, partial(_scoring_pass, model)), infer_batches, 2)
    backbone, backbone_pass = rate(infer(classifier, classifier.features), infer_batches, 2)
    return ProbeResult(
        train_flops=lm,
        head_train_flops=head,
        infer_flops=scoring,
        backbone_infer_flops=backbone,
        startup_s=round(startup, 2),
        train_step_s=round(lm_step, 3),
        head_step_s=round(head_step, 3),
        infer_pass_s=round(scoring_pass, 3),
        backbone_pass_s=round(backbone_pass, 3),
        tokens_per_row=round(sum(len(r) for r in rows) / len(rows), 1),
        probe_s=round(time.perf_counter() - began, 1),
    )


def _scoring_pass(model, ids, mask):
    """An LM pass as rank classification runs it: the LM head at the last positions only."""
    return model(input_ids=ids, attention_mask=mask, logits_to_keep=SCORED_POSITIONS)


def cached_probe(cache_dir: Path, key: str, measure) -> tuple[ProbeResult, bool]:
    """The cached result for `key`, or `measure()` written to the cache (True: it was cached)."""
    cached = read_cached(cache_dir, key)
    if cached is not None:
        return cached, True
    result = measure()
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_json(cache_dir / f"probe-{key}.json", asdict(result))
    return result, False


def describe_probe(result: ProbeResult, cached: bool, batch_size: int, eval_batch_size: int) -> str:
    """The line the plan stage prints about what it measured."""
    when = "cached from an earlier probe on this machine" if cached else f"{result.probe_s:.0f} s"
    return (
        f"measured here ({when}): training step of {batch_size} x {result.tokens_per_row:.0f} "
        f"tokens {result.train_step_s:.2f} s (LM loss) / {result.head_step_s:.2f} s (classifier), "
        f"no-grad pass of {eval_batch_size} rows {result.infer_pass_s:.2f} s (LM scoring) / "
        f"{result.backbone_pass_s:.2f} s (backbone), start-up {result.startup_s:.1f} s"
    )
