"""Check a Table's columns and every row, and settle the class names: the input columns (str,
stripped) and `label` (int64 in [0, classes)); every message names the file and line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from promptworth.core.errors import DataError
from promptworth.data.readers import AG_NEWS, Table, TaskColumns

HIDDEN_LABEL = -1  # GLUE and SuperGLUE hide their test labels as -1


def resolve_class_names(
    table: Table, label_names: tuple[str, ...] | None, source: str
) -> tuple[str, ...]:
    """The class names: data.label_names when given, else the dataset's ClassLabel names."""
    if label_names is not None:
        if table.class_names is not None and len(table.class_names) != len(label_names):
            raise DataError(
                f"data.label_names: {source} has {len(table.class_names)} classes "
                f"{table.class_names}, but data.label_names lists {len(label_names)}"
            )
        return tuple(label_names)
    if table.class_names is None:
        raise DataError(
            f"data.label_names: {table.name} does not name its classes (no ClassLabel); list "
            "them in data.label_names, in label-id order"
        )
    return tuple(table.class_names)


def validate_table(
    table: Table, class_names: tuple[str, ...], columns: TaskColumns = AG_NEWS, split_key: str = ""
) -> pd.DataFrame:
    """Check the columns and every row; return the input columns (str, stripped) and `label`
    (int64 in [0, classes)). String labels are mapped through the class names."""
    df = table.frame
    for key, names in (("data.inputs", columns.inputs), ("data.label_column", (columns.label,))):
        missing = [c for c in names if c not in df.columns]
        if missing:
            raise DataError(
                f"{key}: column(s) {missing} not in {table.name}; its columns are "
                f"{list(df.columns)}"
            )
    if df.empty:
        raise DataError(f"{table.name}: has no rows")
    raw = df[columns.label]
    num_labels = len(class_names)
    # A missing label (empty, or NaN as a file or pandas writes it) is named as missing, not
    # read as a class name it is not.
    written = raw.astype(str).str.strip()
    missing_words = {"", "nan", "none", "null"} - {c.lower() for c in class_names}
    missing = np.flatnonzero((raw.isna() | written.str.lower().isin(missing_words)).to_numpy())
    if len(missing):
        raise DataError(
            table.rows_message(missing, f"missing label ({written.iloc[missing[0]]!r})")
        )
    # pandas 3 reads text as its `str` dtype, pandas 2 as object: ask "numeric?" instead.
    textual = not pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
    if textual and not pd.to_numeric(raw, errors="coerce").notna().all():
        index = {name: k for k, name in enumerate(class_names)}
        mapped = raw.astype(str).str.strip().map(index)
        unknown = np.flatnonzero(mapped.isna().to_numpy())
        if len(unknown):
            raise DataError(
                table.rows_message(
                    unknown,
                    f"label {raw.iloc[unknown[0]]!r} is not a class of data.label_names "
                    f"{list(class_names)}",
                )
            )
        labels = mapped.astype("int64")
    else:
        labels = pd.to_numeric(raw.astype(str).str.strip() if textual else raw, "coerce")
        bad = np.flatnonzero((labels.isna() | (labels % 1 != 0)).to_numpy())
        if len(bad):
            raise DataError(
                table.rows_message(bad, f"label {raw.iloc[bad[0]]!r} is not an integer")
            )
        if (labels == HIDDEN_LABEL).all():
            raise DataError(
                f"{split_key or 'data.test_split'}: {table.name} has no labels (every label is "
                "-1: GLUE and SuperGLUE hide their test labels); use its validation split as "
                "the test set"
            )
        out_of_range = np.flatnonzero(((labels < 0) | (labels >= num_labels)).to_numpy())
        if len(out_of_range):
            value = int(labels.iloc[out_of_range[0]])
            raise DataError(
                table.rows_message(
                    out_of_range,
                    f"label {value} is outside the {num_labels} classes {list(class_names)} "
                    f"(ids 0..{num_labels - 1})",
                )
            )
    out = {}
    for column in columns.inputs:
        text = df[column].astype(str).str.strip()
        empty = np.flatnonzero((df[column].isna() | (text == "")).to_numpy())
        if len(empty):
            raise DataError(table.rows_message(empty, f"empty {column}"))
        out[column] = text.to_numpy()
    out["label"] = labels.astype("int64").to_numpy()
    return pd.DataFrame(out)
