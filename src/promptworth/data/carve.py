"""A test split carved out of a source that ships none: a row range (a canonical split, such as
TREC-10's last 500 questions), or a stratified sample of a given size drawn with a seed. Either
way the same rows for every run and every machine, and the training rows are the rest."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from promptworth.config.schema import CarveSpec
from promptworth.core.errors import DataError
from promptworth.data.readers import Table


def _subset(table: Table, positions: np.ndarray, split: str) -> Table:
    frame = table.frame.iloc[positions].reset_index(drop=True)
    # A file's rows say which part they are in; a folder's rows are named by their own files.
    name = table.name if table.files is not None else f"{table.name} ({split} part)"
    return replace(table, frame=frame, name=name, lines=np.asarray(table.lines)[positions])


def test_positions(table: Table, carve: CarveSpec, label_column: str) -> np.ndarray:
    """Row positions (0-based, in the source's order) of the carved test split."""
    n = len(table.frame)
    if carve.rows is not None:
        start, stop = carve.rows
        if stop > n:
            raise DataError(
                f"data.test_carve.rows: [{start}, {stop}] runs past the end of {table.name}, "
                f"which has {n} rows"
            )
        return np.arange(start, stop)
    if carve.size >= n:
        raise DataError(
            f"data.test_carve.size: {carve.size} test rows leave no training rows: "
            f"{table.name} has {n}"
        )
    from sklearn.model_selection import train_test_split

    labels = table.frame[label_column].astype(str).to_numpy()
    _, test = train_test_split(
        np.arange(n), test_size=carve.size, random_state=carve.seed, stratify=labels
    )
    return np.sort(test)


def carve_test(table: Table, carve: CarveSpec, label_column: str) -> tuple[Table, Table]:
    """(training rows, test rows) of a one-split source."""
    test = test_positions(table, carve, label_column)
    train = np.setdiff1d(np.arange(len(table.frame)), test)
    return _subset(table, train, "train"), _subset(table, test, "test")
