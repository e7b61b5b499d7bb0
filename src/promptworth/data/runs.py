"""The rows a run trains, develops and is scored on, read from the split and formatted files;
shared by the train and evaluate stages so both see the same rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch
from safetensors.torch import load_file

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


def load_features(split: str) -> torch.Tensor:
    """Frozen-LM features of the dev or test rows, in data/splits/{split}.json order."""
    path = FEATURES / f"{split}.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: did the features stage run?")
    return load_file(path)["features"]


def load_class_names() -> tuple[str, ...]:
    """The task's class names, in label-id order, as the download stage resolved them."""
    return tuple(read_json(CLASSES))
