"""The rows a run trains, develops and is scored on, read from the split and formatted files,
and the scores a run stage saves for the read stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from promptworth.core.io import read_json
from promptworth.core.paths import CLASSES, FEATURES, FORMATTED, SPLITS, order_file
from promptworth.data.prompts import apply_pattern
from promptworth.data.sampling import nested_subset


@dataclass(frozen=True)
class RunData:
    train: pd.DataFrame  # the nested training subset, in its sampled order
    dev: pd.DataFrame  # the dev split (early stopping and model selection)


def _with_pattern(rows: pd.DataFrame, template: str | None, label_words: Sequence[str]):
    return rows if template is None else apply_pattern(rows, template, label_words)


def load_run_data(
    size: int, seed: int, template: str | None = None, label_words: Sequence[str] = ()
) -> RunData:
    """The run's training and dev rows (row, inputs, label, head_input); with a `template`,
    each also gets a prompt and a target (the prompt methods)."""
    table = pd.read_parquet(FORMATTED / "train.parquet")  # row i is data/raw row i
    order = read_json(order_file(seed))
    train = table.iloc[nested_subset(order, size, f"size {size} of seed {seed}")]
    dev = table.iloc[read_json(SPLITS / "dev.json")]
    return RunData(
        _with_pattern(train.reset_index(drop=True), template, label_words),
        _with_pattern(dev.reset_index(drop=True), template, label_words),
    )


def load_test_rows(template: str | None = None, label_words: Sequence[str] = ()) -> pd.DataFrame:
    """The test subset every run is scored on (row, inputs, label, head_input; prompt, target)."""
    table = pd.read_parquet(FORMATTED / "test.parquet")
    rows = table.iloc[read_json(SPLITS / "test.json")].reset_index(drop=True)
    return _with_pattern(rows, template, label_words)


def features_dir(method: str) -> Path:
    """Where the features stage writes the frozen-LM features a head method reads (a run stage
    depends on its own method's folder, so a method that reads none never waits on them)."""
    return FEATURES / method


def load_features(folder: Path, split: str):
    """Frozen-LM features of the dev or test rows (a tensor), in data/splits/{split}.json
    order, from `folder` (features_dir of the method)."""
    from safetensors.torch import load_file

    path = folder / f"{split}.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: did the features stage run?")
    return load_file(path)["features"]


SCORES_CSV = "scores.csv"  # per test row: row, label, score_0 .. score_<classes - 1>
SCORES_JSON = "scores.json"  # what the scores are, label words, content-free scores, generations
HEAD_LOGITS = "head_logits"  # scores are a classifier's logits: one reading, argmax
LABEL_LOG_LIKELIHOODS = "label_log_likelihoods"  # scores are label-word log-likelihoods: rank


@dataclass(frozen=True)
class SavedScores:
    """A run stage's scores of its test rows, as the read stage loads them."""

    rows: pd.DataFrame  # row, label
    scores: object  # (rows, classes) float64 array
    meta: dict  # scores.json


def load_scores(run_dir: Path) -> SavedScores:
    """data/runs/<run>/scores.csv and scores.json (FileNotFoundError naming the file if the
    run stage has not written them)."""
    meta = read_json(run_dir / SCORES_JSON)
    table = pd.read_csv(run_dir / SCORES_CSV)
    columns = [c for c in table.columns if c.startswith("score_")]
    return SavedScores(table[["row", "label"]], table[columns].to_numpy(dtype="float64"), meta)


def load_class_names() -> tuple[str, ...]:
    """The task's class names, in label-id order, as the download stage resolved them."""
    return tuple(read_json(CLASSES))
