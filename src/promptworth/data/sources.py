"""Load a text-classification task from the hub, a local file or a `save_to_disk` folder, and
validate its rows.

A task is described by params (data.*): where its rows are, which split trains and which tests,
its input columns (one or several: `text`, or `premise` and `hypothesis`) and its label column;
the class names come from params or from the dataset's ClassLabel. Every source becomes a `Table`:
its columns, plus where each row came from (the 1-based line of a CSV or JSONL file, the 1-based
row of a Parquet file or hub split), so every message can say `train.csv:15: empty premise`.
Validation turns it into the input columns (str) and `label` (int).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from promptworth.core.errors import DataError
from promptworth.data.readers import (
    AG_NEWS,
    Table,
    TaskColumns,
    from_dataset,
    is_local_source,
    read_local_table,
)
from promptworth.data.validate import resolve_class_names, validate_table


def holds_splits(source: str) -> bool:
    """A hub id or a save_to_disk DatasetDict holds its train and test splits; a single file or a
    single saved Dataset holds one split (data.test_source names the other)."""
    if not is_local_source(source):
        return True
    return (Path(source) / "dataset_dict.json").is_file()


def load_hub_split(dataset_id: str, config: str | None, split: str, label_column: str) -> Table:
    """Load a split from the Hugging Face hub (or its local cache)."""
    from datasets import load_dataset  # imported lazily: slow, and unused for local files
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()  # its retry warnings would bury the one line below
    try:
        ds = load_dataset(dataset_id, config, split=split)
    except Exception as err:  # the hub raises many types; the message is what helps
        first = (str(err).splitlines() or [""])[0]
        where = f"{dataset_id!r}" + (f" (config {config!r})" if config else "")
        raise DataError(
            f"data.source: could not load {where}, split {split!r}, from the Hugging Face hub or "
            f"its cache ({type(err).__name__}: {first}); give a local file or a save_to_disk "
            "folder instead (data.source, data.test_source)"
        ) from err
    return from_dataset(ds, f"{dataset_id}[{split}]", label_column)


def load_table(
    source: str,
    config: str | None,
    split: str,
    columns: TaskColumns,
    split_key: str,
    bad_encoding: str = "refuse",
):
    """One split of `source` (hub id, local file or folder), rows not yet checked."""
    if is_local_source(source):
        return read_local_table(source, columns, split, split_key, bad_encoding)
    return load_hub_split(source, config, split, columns.label)


def load_split(
    source: str,
    split: str,
    label_names: tuple[str, ...] | None,
    columns: TaskColumns = AG_NEWS,
    config: str | None = None,
) -> pd.DataFrame:
    """Load and validate one split: the input columns and `label`."""
    key = f"data.{split}_split" if split in ("train", "test") else "data.source"
    table = load_table(source, config, split, columns, key)
    return validate_table(table, resolve_class_names(table, label_names, source), columns, key)


def resolve_data_source(source: str, key: str) -> str:
    """A `pkg://<package>/<path>` source as the file it names (DataError naming `key` when the
    package or the file is missing); any other source unchanged."""
    from promptworth.core.io import resolve_package_path

    try:
        resolved = resolve_package_path(source)
    except FileNotFoundError as err:
        raise DataError(f"{key}: {err}") from None
    if resolved != source and not Path(resolved).exists():
        raise DataError(f"{key}: {source} names {resolved}, which does not exist")
    return resolved
