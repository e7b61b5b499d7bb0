"""Checks of a dataset before any run uses it: problems that pass silently otherwise.

- a class with no training rows (no method can learn it; the head would just never predict it);
- training rows whose text is also in the test split (test accuracy would reward memorising);
- training rows that repeat an earlier one (a 100-point subset would hold fewer than 100 texts).

Texts are compared normalised (lower case, punctuation and repeated whitespace removed: the
verbalisers' normalisation), so "Oil hits $50." and "oil hits 50" are one text. Each check's
action is a param (data.checks.*): refuse with a message, drop the rows (printed), or keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from promptworth.core.errors import DataError
from promptworth.core.text import normalise
from promptworth.data.readers import Table


@dataclass
class CheckReport:
    """What the checks found and did, for the download stage to print."""

    lines: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.lines.append(text)


def _keys(rows: pd.DataFrame, inputs: Sequence[str], clean) -> list[str]:
    """One comparable text per row: its inputs, each cleaned, joined by a unit separator."""
    columns = [rows[c] for c in inputs]
    return ["\x1f".join(clean(v) for v in values) for values in zip(*columns, strict=True)]


def repeats_earlier(keys: Sequence[str]) -> np.ndarray:
    """Mask of rows whose key already appeared in an earlier row (the first copy is kept)."""
    return pd.Series(list(keys)).duplicated(keep="first").to_numpy()


def found_in(keys: Sequence[str], other: Sequence[str]) -> np.ndarray:
    """Mask of rows whose key is among `other`'s keys."""
    return np.isin(np.asarray(list(keys), dtype=object), np.asarray(list(set(other)), dtype=object))


def missing_classes(labels: Sequence[int], num_labels: int) -> list[int]:
    present = set(np.asarray(labels).tolist())
    return [c for c in range(num_labels) if c not in present]


def class_balance(labels: Sequence[int], names: Sequence[str]) -> str:
    """`World 4,649 (31%), Sports 2,825 (19%), ...`"""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(names))
    total = max(int(counts.sum()), 1)
    return ", ".join(f"{n} {c:,} ({c / total:.0%})" for n, c in zip(names, counts, strict=True))


def _act(action: str, key: str, mask: np.ndarray, table: Table, what: str, report) -> np.ndarray:
    """Apply a check's action to the rows in `mask`; return the mask of rows to keep."""
    count = int(mask.sum())
    if count == 0:
        return np.ones(len(mask), dtype=bool)
    positions = np.flatnonzero(mask)
    if action == "refuse":
        raise DataError(
            table.rows_message(positions, what)
            + f"; {count} such rows. data.checks.{key} is 'refuse': set it to 'drop' or 'keep'"
        )
    first = table.where(int(positions[0]))
    if action == "drop":
        report.add(f"dropped {count:,} training rows: {what} (first: {first}; data.checks.{key})")
        return ~mask
    report.add(f"kept {count:,} training rows: {what} (first: {first}; data.checks.{key} is keep)")
    return np.ones(len(mask), dtype=bool)


def check_data(
    train: pd.DataFrame,
    train_table: Table,
    test: pd.DataFrame,
    test_table: Table,
    label_names: Sequence[str],
    checks,
    inputs: Sequence[str] = ("text",),
) -> tuple[pd.DataFrame, CheckReport]:
    """Run every check on validated `train`/`test` rows (row i is row i of its Table); return the
    training rows to keep and what was found. `checks` is params.DataChecks; a row's text is its
    `inputs` together (a premise and hypothesis pair repeats only if both do)."""
    report = CheckReport()
    train_keys, test_keys = _keys(train, inputs, normalise), _keys(test, inputs, normalise)
    dropped = {}  # check key -> training rows it dropped
    keep = _act(
        checks.train_duplicates,
        "train_duplicates",
        repeats_earlier(train_keys),
        train_table,
        "repeats an earlier training text",
        report,
    )
    overlap = found_in(train_keys, test_keys) & keep
    # Counted among the same kept rows as `overlap` (a dropped duplicate is not counted twice).
    exact = int((found_in(_keys(train, inputs, str), _keys(test, inputs, str)) & keep).sum())
    if overlap.any():
        report.add(
            f"{int(overlap.sum()):,} training rows repeat a test text once normalised "
            f"({exact:,} of them verbatim)"
        )
    dropped["train_duplicates"] = int((~keep).sum())
    before = int(keep.sum())
    keep &= _act(
        checks.test_overlap, "test_overlap", overlap, train_table, "text is in the test split",
        report,
    )  # fmt: skip
    dropped["test_overlap"] = before - int(keep.sum())
    if not keep.any():
        causes = {
            "test_overlap": "repeat a test text (is data.test_source the training file again?)",
            "train_duplicates": "repeat an earlier training text",
        }
        named = "; ".join(f"{n:,} {causes[k]}" for k, n in dropped.items() if n)
        raise DataError(
            f"{train_table.name}: every training row was dropped by the data checks: {named}. "
            "data.checks." + max(dropped, key=dropped.get) + " is 'drop'"
        )
    kept = train[keep].reset_index(drop=True)
    absent = missing_classes(kept["label"], len(label_names))
    if absent:
        names = [f"{label_names[c]!r} (label {c})" for c in absent]
        message = (
            f"{train_table.name}: class {', '.join(names)} has no training rows"
            + (
                f" after the data checks dropped {len(train) - len(kept):,} rows"
                if len(kept) < len(train)
                else ""
            )
            + "; no method can learn it"
        )
        if checks.missing_class == "refuse":
            raise DataError(message + ". Set data.checks.missing_class to 'allow' to run anyway")
        report.add(message + " (data.checks.missing_class is allow)")
    report.add(f"train: {len(kept):,} rows: {class_balance(kept['label'], label_names)}")
    report.add(f"test: {len(test):,} rows: {class_balance(test['label'], label_names)}")
    return kept, report
