"""Predictions of a trained run on the test rows, one array per reading.

Head methods have one reading (argmax). The prompt method has rank classification (summed and
length-normalised log-likelihood of each label word) and one reading per verbaliser applied to
its greedy generations.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .inference import (
    calibrated_predictions,
    generate_greedy,
    grow_batch_size,
    head_logits,
    label_byte_lengths,
    rank_classify,
)
from .methods import label_token_ids, load_head, load_head_classifier
from .modeling import load_causal_lm
from .params import EvalParams
from .runs import load_features
from .verbalise import verbalise_bertscore, verbalise_exact, verbalise_rouge


def predict_head_frozen(run_dir: Path) -> dict[str, np.ndarray]:
    head = load_head(run_dir)
    with torch.no_grad():
        logits = head(load_features("test")).numpy()
    return {"argmax": logits.argmax(axis=1)}


def predict_head_full(
    run_dir: Path, test: pd.DataFrame, tokenizer, batch_size: int, device, dtype
) -> dict[str, np.ndarray]:
    model = load_head_classifier(run_dir).to(device)
    ids = tokenizer(test["article"].tolist(), add_special_tokens=False)["input_ids"]
    pad = tokenizer.pad_token_id
    longest = sorted(ids, key=len, reverse=True)
    batch_size = grow_batch_size(
        lambda bs: head_logits(model, longest[:bs], pad, bs, device, dtype, progress=False),
        batch_size,
        device,
    )
    logits = head_logits(model, ids, pad, batch_size, device, dtype)
    return {"argmax": logits.argmax(axis=1)}


def verbalise(
    generations: Sequence[str], label_names: Sequence[str], settings: EvalParams, device
) -> dict[str, np.ndarray]:
    """One prediction array per configured verbaliser."""
    out = {}
    for name in settings.verbalisers:
        if name == "exact":
            out["gen_exact"] = verbalise_exact(generations, label_names)
        elif name == "rouge":
            out["gen_rouge"] = verbalise_rouge(generations, label_names, settings.rouge_threshold)
        else:
            bs = settings.bertscore
            out["gen_bertscore"] = verbalise_bertscore(
                generations, label_names, bs.model, bs.num_layers, bs.threshold, str(device)
            )
    return out


def predict_prompt(
    run_dir: Path,
    test: pd.DataFrame,
    tokenizer,
    label_words: Sequence[str],
    label_names: Sequence[str],
    settings: EvalParams,
    device,
    dtype,
    content_free_prompt: str,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Rank (plain, per byte, contextually calibrated against `content_free_prompt`) and
    verbaliser readings, plus the decoded generations (kept in predictions.csv)."""
    model = load_causal_lm(run_dir / "lm").to(device)
    pad = tokenizer.pad_token_id
    prompt_ids = tokenizer(test["prompt"].tolist(), add_special_tokens=False)["input_ids"]
    label_ids = label_token_ids(tokenizer, label_words)
    longest = sorted(prompt_ids, key=len, reverse=True)
    batch_size = grow_batch_size(
        lambda bs: generate_greedy(
            model, longest[:bs], pad, settings.max_new_tokens, bs, device, dtype, progress=False
        ),
        settings.batch_size,
        device,
    )
    scores = rank_classify(model, prompt_ids, label_ids, pad, batch_size, device, dtype)
    content_free_ids = tokenizer([content_free_prompt], add_special_tokens=False)["input_ids"]
    content_free = rank_classify(
        model, content_free_ids, label_ids, pad, 1, device, dtype, progress=False
    )[0]
    readings = {
        "rank": scores.argmax(axis=1),
        "rank_norm": (scores / label_byte_lengths(label_words)).argmax(axis=1),
        "rank_cal": calibrated_predictions(scores, content_free),
    }
    new_ids = generate_greedy(
        model, prompt_ids, pad, settings.max_new_tokens, batch_size, device, dtype
    )
    generations = [tokenizer.decode(ids, skip_special_tokens=True) for ids in new_ids]
    readings.update(verbalise(generations, label_names, settings, device))
    return readings, generations
