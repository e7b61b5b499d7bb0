"""Verbalisers: map a generated continuation to a class id, or NONE when it names no class."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from promptworth.core.text import normalise

NONE = -1  # the prediction for a generation that names no class


def first_line(text: str) -> str:
    """The answer part of a generation: its first non-empty line. Instruction-tuned models go on
    after the label ("Business\n\nWhat is"); scoring those extra words against a one-word label
    would push ROUGE and BERTScore precision down for a right answer."""
    return next((line for line in text.splitlines() if line.strip()), "")


def verbalise_exact(generations: Sequence[str], label_names: Sequence[str]) -> np.ndarray:
    """The class whose normalised name the generation's normalised first line starts with (whole
    words; the longest name wins if several match), else NONE."""
    names = [normalise(n) for n in label_names]
    by_length = sorted(range(len(names)), key=lambda j: -len(names[j]))
    out = np.full(len(generations), NONE, dtype=np.int64)
    for i, gen in enumerate(generations):
        g = normalise(first_line(gen))
        for j in by_length:
            if g == names[j] or g.startswith(names[j] + " "):
                out[i] = j
                break
    return out


def _argmax_or_none(scores: np.ndarray, threshold: float) -> np.ndarray:
    best = scores.argmax(axis=1)
    return np.where(scores.max(axis=1) >= threshold, best, NONE).astype(np.int64)


def verbalise_rouge(
    generations: Sequence[str], label_names: Sequence[str], threshold: float
) -> np.ndarray:
    """The class whose name has the highest ROUGE-L F1 with the generation (rouge-score), or
    NONE when even the best is below `threshold`."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"])
    scores = np.array(
        [
            [scorer.score(name, first_line(gen))["rougeL"].fmeasure for name in label_names]
            for gen in generations
        ]
    ).reshape(len(generations), len(label_names))
    return _argmax_or_none(scores, threshold)


def bertscore_threshold(scorer, label_names: Sequence[str]) -> float:
    """The a priori threshold: the highest BERTScore F1 between two different label names. A
    generation is mapped to a class only if it is closer to that name than the names are to each
    other; the rule reads the label names alone, never dev or test generations."""
    pairs = [(a, b) for a in label_names for b in label_names if a != b]
    _, _, f1 = scorer.score([a for a, _ in pairs], [b for _, b in pairs])
    return float(f1.max())


def bertscore_scorer(model: str, num_layers: int, batch_size: int = 64, device: str | None = None):
    """bert-score's scorer for `model` (a hub id, a local directory or pkg://...: it runs
    offline) at `num_layers`."""
    from bert_score import BERTScorer

    from promptworth.core.io import resolve_package_path

    return BERTScorer(
        model_type=resolve_package_path(model),
        num_layers=num_layers,
        batch_size=batch_size,
        device=device,
        use_fast_tokenizer=True,
    )


def bertscore_model_problem(model: str) -> str | None:
    """Why bert-score could not load `model` here, or None: a pkg:// file or a local folder
    must exist with a config.json; a hub id must be in the local cache when the hub is offline
    (HF_HUB_OFFLINE), else it is fetched at the read stage. Checked before any run trains."""
    import os

    from promptworth.core.io import resolve_package_path

    try:
        resolved = resolve_package_path(model)
    except FileNotFoundError as err:
        return str(err)
    path = Path(resolved).expanduser()
    looks_local = resolved.startswith((".", "/", "~")) or resolved.count("/") > 1 or path.exists()
    if looks_local:
        if not path.is_dir():
            return f"no such model folder: {path}"
        if not (path / "config.json").is_file():
            return f"{path} has no config.json: not a Hugging Face model folder"
        return None
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(resolved, "config.json"), str):
            return (
                f"{resolved!r} is not in the local Hugging Face cache and the hub is offline "
                "(HF_HUB_OFFLINE); give a local folder or a pkg:// model"
            )
    return None


def verbalise_bertscore(
    generations: Sequence[str],
    label_names: Sequence[str],
    scorer,
    threshold: float | None,
    batch_size: int = 64,
) -> np.ndarray:
    """The class whose name has the highest BERTScore F1 with the generation (`scorer`: from
    bertscore_scorer), or NONE when even the best is below `threshold` (None:
    bertscore_threshold, from the label names), or the generation is empty."""
    if threshold is None:
        threshold = bertscore_threshold(scorer, label_names)
    # bert-score 0.3.13 cannot encode an empty string under transformers 5; empty generations
    # are scored on a placeholder and then forced to NONE below.
    answers = [first_line(g) for g in generations]
    cands = [a if a.strip() else "." for a in answers for _ in label_names]
    refs = [n for _ in generations for n in label_names]
    scores = np.full((len(generations), len(label_names)), -np.inf)
    if cands:
        _, _, f1 = scorer.score(cands, refs, batch_size=batch_size)
        scores = f1.numpy().reshape(len(generations), len(label_names))
    empty = np.array([not a.strip() for a in answers], dtype=bool)
    scores[empty] = -np.inf
    return _argmax_or_none(scores, threshold)
