"""What one (method, pattern, size, seed) run trains and is scored on, as positions into the
formatted tables; shared by the train and evaluate stages so both see the same rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import torch
from safetensors.torch import load_file

from .io import read_json
from .paths import FEATURES, FORMATTED, SPLITS
from .prompts import apply_pattern
from .sampling import training_rows


@dataclass(frozen=True)
class RunData:
    train: pd.DataFrame  # the nested training subset, in its sampled order
    dev: pd.DataFrame
    test: pd.DataFrame
    train_pos: list[int]  # positions of those rows in data/formatted/train.parquet
    dev_pos: list[int]


def load_run_data(
    size: int, seed: int, template: str | None = None, label_words: Sequence[str] = ()
) -> RunData:
    """The run's rows; with a `template`, each gets a prompt and target (prompt methods)."""
    splits = read_json(SPLITS)
    table = pd.read_parquet(FORMATTED / "train.parquet")
    position = pd.Series(range(len(table)), index=table["row"])
    train_pos = position.loc[training_rows(splits, seed, size)].tolist()
    dev_pos = position.loc[splits["dev"]].tolist()
    test = pd.read_parquet(FORMATTED / "test.parquet")
    train, dev = (
        table.iloc[train_pos].reset_index(drop=True),
        table.iloc[dev_pos].reset_index(drop=True),
    )
    if template is not None:
        train, dev, test = (apply_pattern(t, template, label_words) for t in (train, dev, test))
    return RunData(train, dev, test, train_pos, dev_pos)


def load_features(split: str) -> torch.Tensor:
    """Frozen-LM features of data/formatted/{split}.parquet, row for row (stage `features`)."""
    path = FEATURES / f"{split}.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: did the features stage run?")
    return load_file(path)["features"]
