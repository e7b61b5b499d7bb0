"""Scores of a run's predictions: accuracy, macro-F1, none-rate and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score

from promptworth.readout.verbalise import NONE


def score_predictions(labels: Sequence[int], predictions: Sequence[int], num_labels: int) -> dict:
    """A "none" prediction (NONE) counts as wrong for accuracy and for F1 (it is nobody's class).

    The confusion matrix has one row per true class and one column per class plus a last
    column for "none".
    """
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(predictions, dtype=np.int64)
    if y.shape != p.shape or y.size == 0:
        raise ValueError(f"labels and predictions must be equal, non-empty: {y.shape} vs {p.shape}")
    classes = list(range(num_labels))
    p_cm = np.where(p == NONE, num_labels, p)
    cm = confusion_matrix(y, p_cm, labels=classes + [num_labels])[:num_labels]
    return {
        "accuracy": float((y == p).mean()),
        "macro_f1": float(f1_score(y, p, labels=classes, average="macro", zero_division=0)),
        "none_rate": float((p == NONE).mean()),
        "n": int(y.size),
        "confusion": cm.tolist(),
    }
