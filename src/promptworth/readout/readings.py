"""Readings computed from a run's saved scores, with no model: the `read` stage's work.

A run stage saves what only its model can give (data/runs/<run>/): the per-row class scores
(a head's logits, or each label word's log-likelihood), the content-free input's scores and the
greedy generations. Everything read off them here (argmax, rank, rank_norm, rank_cal, each
verbaliser with its threshold) is cheap, so changing a verbaliser or its threshold re-runs this
reading alone, never a training.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from promptworth.config.schema import EvalParams
from promptworth.data.runs import HEAD_LOGITS, LABEL_LOG_LIKELIHOODS
from promptworth.readout.scoring import score_predictions
from promptworth.readout.verbalise import (
    NONE,
    bertscore_scorer,
    verbalise_bertscore,
    verbalise_exact,
    verbalise_rouge,
)


def label_byte_lengths(label_words: Sequence[str]) -> np.ndarray:
    """Length normaliser of lm-evaluation-harness's acc_norm: the continuation's UTF-8 bytes."""
    return np.array([len(w.encode("utf-8")) for w in label_words], dtype=np.float64)


def calibrated_predictions(scores: np.ndarray, content_free: np.ndarray) -> np.ndarray:
    """Contextual calibration (Zhao et al. 2021, "Calibrate before use"): divide each label's
    probability by the one the model gives it for a content-free input ("N/A"), then argmax.

    `scores` are (examples, labels) label log-likelihoods, `content_free` the (labels,) ones of the
    content-free prompt. Renormalising over the labels adds a per-row constant in log space, which
    the argmax ignores, so the rule is argmax(scores - content_free)."""
    return (np.asarray(scores) - np.asarray(content_free)[None, :]).argmax(axis=1)


def lm_readings(
    scores: np.ndarray, content_free: np.ndarray, label_words: Sequence[str]
) -> dict[str, np.ndarray]:
    """Rank classification from label-word log-likelihoods: rank (summed), rank_norm (per byte)
    and rank_cal (contextually calibrated against the content-free input's scores)."""
    return {
        "rank": scores.argmax(axis=1),
        "rank_norm": (scores / label_byte_lengths(label_words)).argmax(axis=1),
        "rank_cal": calibrated_predictions(scores, content_free),
    }


@lru_cache(maxsize=4)
def _scorer(model: str, num_layers: int):
    """One BERTScore model for every run the read stage verbalises (loading it is the slow part;
    each run is still scored on its own generations, as it was alone)."""
    return bertscore_scorer(model, num_layers)


def verbalise(
    generations: Sequence[str], label_names: Sequence[str], settings: EvalParams
) -> dict[str, np.ndarray]:
    """One prediction array per configured verbaliser, matching against `label_names`."""
    out = {}
    for name in settings.verbalisers:
        if name == "exact":
            out["gen_exact"] = verbalise_exact(generations, label_names)
        elif name == "rouge":
            out["gen_rouge"] = verbalise_rouge(generations, label_names, settings.rouge_threshold)
        else:
            bs = settings.bertscore
            out["gen_bertscore"] = verbalise_bertscore(
                generations, label_names, _scorer(bs.model, bs.num_layers), bs.threshold
            )
    return out


def run_readings(
    scores_are: str,
    scores: np.ndarray,
    content_free: Sequence[float] | None,
    label_words: Sequence[str],
    generations: Sequence[str] | None,
    settings: EvalParams,
) -> dict[str, np.ndarray]:
    """Every reading of one run's saved scores: argmax of a head's logits, or rank, rank_norm,
    rank_cal and (with generations) one per verbaliser, matched against the label words."""
    if scores_are == HEAD_LOGITS:
        return {"argmax": scores.argmax(axis=1)}
    if scores_are != LABEL_LOG_LIKELIHOODS:
        raise ValueError(f"unknown kind of scores {scores_are!r}")
    readings = lm_readings(scores, np.asarray(content_free, dtype=np.float64), label_words)
    if generations is not None:
        readings.update(verbalise(generations, [w.strip() for w in label_words], settings))
    return readings


def predictions_table(
    rows: pd.DataFrame,
    readings: dict[str, np.ndarray],
    class_names: Sequence[str],
    generations: Sequence[str] | None,
) -> pd.DataFrame:
    """predictions.csv: row id, true label, one column of class names (or "none") per reading,
    and the generation where there is one."""
    table = pd.DataFrame({"row": rows["row"], "label": rows["label"]})
    for reading, pred in readings.items():
        table[reading] = [class_names[p] if p != NONE else "none" for p in pred]
    if generations is not None:
        table["generation"] = list(generations)
    return table


def reading_scores(
    labels: Sequence[int], readings: dict[str, np.ndarray], num_labels: int
) -> dict[str, dict]:
    """Accuracy, macro-F1, none-rate and confusion matrix of every reading."""
    return {r: score_predictions(labels, p, num_labels) for r, p in readings.items()}


def read_run(saved, class_names: Sequence[str], settings: EvalParams) -> tuple[dict, pd.DataFrame]:
    """One run's metrics.json (its per-reading scores under "readings") and predictions.csv,
    from its saved scores (data.runs.load_scores)."""
    meta = saved.meta
    generations = meta["generations"]
    readings = run_readings(
        meta["scores_are"], saved.scores, meta["content_free"], meta["label_words"] or (),
        generations, settings,
    )  # fmt: skip
    scores = reading_scores(saved.rows["label"], readings, len(class_names))
    identity = {k: meta[k] for k in ("run", "method", "pattern", "size", "seed")}
    metrics = {**identity, "eval_tokens": meta["eval_tokens"], **meta["extra"], "readings": scores}
    return metrics, predictions_table(saved.rows, readings, class_names, generations)
