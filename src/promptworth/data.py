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

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

LOCAL_SUFFIXES = (".csv", ".parquet", ".jsonl", ".json")
HIDDEN_LABEL = -1  # GLUE and SuperGLUE hide their test labels as -1


@dataclass(frozen=True)
class TaskColumns:
    """Which columns of a source hold the inputs and the label (data.inputs, data.label_column)."""

    inputs: tuple[str, ...] = ("text",)
    label: str = "label"

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.inputs, self.label)


AG_NEWS = TaskColumns()


@dataclass
class Table:
    frame: pd.DataFrame  # the source's columns, one row per example
    name: str  # the file path, or "<hub id>[<split>]"
    lines: np.ndarray  # per row: its 1-based line in the file, or 1-based row number
    unit: str = "line"  # "line" (CSV, JSONL: lines of the file), "row" or "record"
    class_names: list[str] | None = None  # the label column's ClassLabel names, if it has them

    def where(self, i: int) -> str:
        """Where row i is: `train.csv:15` or `train.parquet row 15`."""
        n = int(self.lines[i])
        return f"{self.name}:{n}" if self.unit == "line" else f"{self.name} {self.unit} {n}"

    def rows_message(self, positions, what: str) -> str:
        """`train.csv:15: empty text (3 more: lines 20, 31, 40)` for the offending positions."""
        positions = list(positions)
        more = positions[1:]
        text = f"{self.where(positions[0])}: {what}"
        if more:
            listed = ", ".join(str(int(self.lines[i])) for i in more[:5])
            text += f" ({len(more)} more: {self.unit}s {listed}{', ...' if len(more) > 5 else ''})"
        return text


def is_local_source(source: str) -> bool:
    """A source is local if it exists or looks like a path; otherwise a hub dataset id."""
    return Path(source).exists() or source.endswith(LOCAL_SUFFIXES) or source.startswith((".", "/"))


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise DataError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[err.start]:02x} at column {column}); "
            "save the file as UTF-8"
        ) from None


def _read_csv(path: Path, columns: TaskColumns) -> Table:
    text = _decode(path)
    # csv's default field limit (128 KiB) refuses a long article that JSONL or Parquet accept; no
    # field can be longer than the file, so that is the limit.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    records, lines, start = [], [], 1
    try:
        for record in reader:
            if record:  # blank lines hold no row
                records.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise DataError(f"{path}:{reader.line_num}: not valid CSV ({err})") from None
    if not records:
        raise DataError(f"{path}: is empty")
    header = [h.strip() for h in records[0]]
    if set(columns.all) <= set(header):
        body, body_lines = records[1:], lines[1:]
        bad = [k for k, r in enumerate(body) if len(r) != len(header)]
        if bad:
            k = bad[0]
            raise DataError(
                f"{path}:{body_lines[k]}: has {len(body[k])} fields, the header has {len(header)}"
            )
        frame = pd.DataFrame(body, columns=header)
        return Table(frame, str(path), np.array(body_lines, dtype=np.int64))
    if columns == AG_NEWS and len(header) == 3 and header[0].isdigit():
        # AG News' original release: headerless (class 1..4, title, description).
        bad = [k for k, r in enumerate(records) if len(r) != 3 or not r[0].strip().isdigit()]
        if bad:
            k = bad[0]
            raise DataError(
                f"{path}:{lines[k]}: expected AG News' original form (class 1-4, title, "
                f"description) like line {lines[0]}, got {records[k][:3]!r}"
            )
        text = [f"{r[1].strip()} {r[2].strip()}".strip() for r in records]
        # The original numbers classes from 1; the hub (and this project) from 0.
        frame = pd.DataFrame({"text": text, "label": [int(r[0]) - 1 for r in records]})
        return Table(frame, str(path), np.array(lines, dtype=np.int64))
    missing = [c for c in columns.all if c not in header]
    hint = " (or AG News' headerless original form)" if columns == AG_NEWS else ""
    raise DataError(
        f"{path}:1: expected a header row with the columns data.inputs and data.label_column "
        f"name, {list(columns.all)}{hint}; missing {missing}, found {header[:8]}"
    )


def _read_jsonl(path: Path) -> Table:
    rows, lines = [], []
    for n, line in enumerate(_decode(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(
                f"{path}:{n}: not valid JSON ({err.msg} at column {err.colno})"
            ) from None
        if not isinstance(row, dict):
            raise DataError(
                f"{path}:{n}: expected a JSON object per line, got {type(row).__name__}"
            )
        rows.append(row)
        lines.append(n)
    return Table(pd.DataFrame(rows), str(path), np.array(lines, dtype=np.int64))


def _read_json(path: Path) -> Table:
    text = _decode(path)
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":  # several JSON documents: JSON Lines under a .json name
            return _read_jsonl(path)
        raise DataError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{path}: expected a JSON list of objects (or one object per line)")
    return Table(pd.DataFrame(rows), str(path), np.arange(1, len(rows) + 1), unit="record")


def _from_dataset(ds, name: str, label_column: str) -> Table:
    """A `datasets.Dataset` as a Table, with its label column's ClassLabel names if any."""
    feature = ds.features.get(label_column)
    names = list(feature.names) if hasattr(feature, "names") else None
    frame = ds.to_pandas()
    return Table(frame, name, np.arange(1, len(frame) + 1), "row", names)


def is_saved_dataset(path: Path) -> bool:
    """A folder written by `datasets.save_to_disk` (one Dataset, or a DatasetDict of splits)."""
    return path.is_dir() and any(
        (path / f).is_file() for f in ("dataset_dict.json", "dataset_info.json", "state.json")
    )


def read_saved_dataset(path: Path, split: str, label_column: str, split_key: str) -> Table:
    from datasets import DatasetDict, load_from_disk

    ds = load_from_disk(str(path))
    if isinstance(ds, DatasetDict):
        if split not in ds:
            raise DataError(
                f"{split_key}: {path} has no split {split!r}; its splits are {sorted(ds)}"
            )
        return _from_dataset(ds[split], f"{path}[{split}]", label_column)
    return _from_dataset(ds, str(path), label_column)


def holds_splits(source: str) -> bool:
    """A hub id or a save_to_disk DatasetDict holds its train and test splits; a single file or a
    single saved Dataset holds one split (data.test_source names the other)."""
    if not is_local_source(source):
        return True
    return (Path(source) / "dataset_dict.json").is_file()


def read_local_table(
    path: str | Path, columns: TaskColumns = AG_NEWS, split: str = "train", split_key: str = ""
) -> Table:
    """Read a CSV/Parquet/JSONL/JSON file or a save_to_disk folder, without validating rows."""
    path = Path(path)
    if is_saved_dataset(path):
        return read_saved_dataset(path, split, columns.label, split_key or "data.train_split")
    if path.is_dir():
        raise DataError(
            f"{path}: is a folder but not one written by datasets' save_to_disk (it has no "
            "dataset_dict.json, dataset_info.json or state.json); give a CSV, Parquet or JSONL "
            "file, or a save_to_disk folder"
        )
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, columns)
    if suffix == ".jsonl":
        return _read_jsonl(path)
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as err:
            raise DataError(f"{path}: could not read as Parquet: {err}") from None
        return Table(frame, str(path), np.arange(1, len(frame) + 1), unit="row")
    raise DataError(
        f"{path}: unsupported file type {suffix!r}; use one of {LOCAL_SUFFIXES} or a folder "
        "written by datasets' save_to_disk"
    )


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
    return _from_dataset(ds, f"{dataset_id}[{split}]", label_column)


def load_table(source: str, config: str | None, split: str, columns: TaskColumns, split_key: str):
    """One split of `source` (hub id, local file or save_to_disk folder), rows not yet checked."""
    if is_local_source(source):
        return read_local_table(source, columns, split, split_key)
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
