"""Read a local file (CSV, JSONL, JSON, Parquet) or a `save_to_disk` folder into a Table: its
columns, plus where each row came from (the 1-based line of a CSV or JSONL file, the 1-based row
of a Parquet file), so every message can say `train.csv:15: empty premise`. Rows are not
validated here (data/validate.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from promptworth.core.errors import DataError

LOCAL_SUFFIXES = (".csv", ".parquet", ".jsonl", ".json")


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
    files: list[str] | None = None  # a folder of texts: each row's file, relative to `name`
    replaced: list[str] = field(default_factory=list)  # where undecodable bytes were replaced

    def where(self, i: int) -> str:
        """Where row i is: `train.csv:15`, `train.parquet row 15` or `bbc/tech/001.txt`."""
        if self.files is not None:
            return f"{self.name}/{self.files[int(self.lines[i]) - 1]}"
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


def _decode(path: Path, bad_encoding: str = "refuse", replaced: list | None = None) -> str:
    """The file's text as UTF-8. Bytes that are not UTF-8 fail in one line naming the file,
    line and column (data.checks.bad_encoding: refuse), or become U+FFFD with the place noted
    in `replaced` (replace), for a corpus with a stray byte or two (BBC News has one)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        if bad_encoding == "replace":
            if replaced is not None:
                replaced.append(f"{path}:{line}")
            return data.decode("utf-8-sig", errors="replace")
        raise DataError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{data[err.start]:02x} at column {column}); "
            "save the file as UTF-8, or set data.checks.bad_encoding to 'replace'"
        ) from None


@dataclass(frozen=True)
class HeadlessFormat:
    """A known CSV form without a header row, recognised by its first record."""

    name: str
    matches: Callable[[list[str]], bool]
    read: Callable[[Path, list[list[str]], list[int]], Table]


def _read_ag_news_original(path: Path, records: list[list[str]], lines: list[int]) -> Table:
    """AG News' original release: headerless (class 1..4, title, description)."""
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


# Headerless CSV forms a task's columns may come in (only AG News' text,label columns have one).
HEADERLESS_FORMATS = {
    AG_NEWS: HeadlessFormat(
        "AG News' headerless original form",
        lambda header: len(header) == 3 and header[0].isdigit(),
        _read_ag_news_original,
    )
}


def _read_csv(path: Path, columns: TaskColumns, bad_encoding: str = "refuse") -> Table:
    replaced: list[str] = []
    text = _decode(path, bad_encoding, replaced)
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
    if repeated := sorted({h for h in header if header.count(h) > 1}):
        raise DataError(f"{path}:1: the header names {repeated} more than once; name each once")
    if set(columns.all) <= set(header):
        body, body_lines = records[1:], lines[1:]
        bad = [k for k, r in enumerate(body) if len(r) != len(header)]
        if bad:
            k = bad[0]
            raise DataError(
                f"{path}:{body_lines[k]}: has {len(body[k])} fields, the header has {len(header)}"
            )
        frame = pd.DataFrame(body, columns=header)
        return Table(frame, str(path), np.array(body_lines, dtype=np.int64), replaced=replaced)
    headerless = HEADERLESS_FORMATS.get(columns)
    if headerless is not None and headerless.matches(header):
        table = headerless.read(path, records, lines)
        table.replaced.extend(replaced)
        return table
    missing = [c for c in columns.all if c not in header]
    hint = f" (or {headerless.name})" if headerless is not None else ""
    raise DataError(
        f"{path}:1: expected a header row with the columns data.inputs and data.label_column "
        f"name, {list(columns.all)}{hint}; missing {missing}, found {header[:8]}"
    )


def _read_jsonl(path: Path, bad_encoding: str = "refuse") -> Table:
    replaced: list[str] = []
    rows, lines = [], []
    for n, line in enumerate(_decode(path, bad_encoding, replaced).splitlines(), start=1):
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
    return Table(pd.DataFrame(rows), str(path), np.array(lines, dtype=np.int64), replaced=replaced)


def _read_json(path: Path, bad_encoding: str = "refuse") -> Table:
    replaced: list[str] = []
    text = _decode(path, bad_encoding, replaced)
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":  # several JSON documents: JSON Lines under a .json name
            return _read_jsonl(path, bad_encoding)
        raise DataError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{path}: expected a JSON list of objects (or one object per line)")
    rows_at = np.arange(1, len(rows) + 1)
    return Table(pd.DataFrame(rows), str(path), rows_at, unit="record", replaced=replaced)


def from_dataset(ds, name: str, label_column: str) -> Table:
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
        return from_dataset(ds[split], f"{path}[{split}]", label_column)
    return from_dataset(ds, str(path), label_column)


def read_local_table(
    path: str | Path,
    columns: TaskColumns = AG_NEWS,
    split: str = "train",
    split_key: str = "",
    bad_encoding: str = "refuse",
) -> Table:
    """Read a CSV/Parquet/JSONL/JSON file, a save_to_disk folder or a folder of texts per class,
    without validating rows (`bad_encoding`: data.checks.bad_encoding, for the text files)."""
    path = Path(path)
    if is_saved_dataset(path):
        return read_saved_dataset(path, split, columns.label, split_key or "data.train_split")
    if path.is_dir():
        if is_class_folder(path):
            return read_class_folders(path, columns, bad_encoding)
        raise DataError(
            f"{path}: is a folder but neither one written by datasets' save_to_disk (it has no "
            "dataset_dict.json, dataset_info.json or state.json) nor one subfolder of .txt "
            "files per class; give a CSV, Parquet or JSONL file, or one of those folders"
        )
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, columns, bad_encoding)
    if suffix == ".jsonl":
        return _read_jsonl(path, bad_encoding)
    if suffix == ".json":
        return _read_json(path, bad_encoding)
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


def is_class_folder(path: Path) -> bool:
    """A folder with one subfolder per class, each holding the class's texts as .txt files (as
    BBC News ships: bbcnews/data/business/001.txt)."""
    subfolders = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return len(subfolders) >= 2 and all(any(s.glob("*.txt")) for s in subfolders)


def read_class_folders(path: Path, columns: TaskColumns, bad_encoding: str = "refuse") -> Table:
    """One row per .txt file: its text in the single input column, its folder's name as the
    label; the class names are the folder names in sorted order (label ids follow them). Files
    are read in sorted order, so the rows are the same on every machine."""
    if len(columns.inputs) != 1:
        raise DataError(
            f"data.inputs: {path} is a folder of texts per class, which gives one input column; "
            f"data.inputs lists {list(columns.inputs)}"
        )
    classes = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    texts, labels, names, replaced = [], [], [], []
    for name in classes:
        for file in sorted((path / name).glob("*.txt")):
            texts.append(_decode(file, bad_encoding, replaced).strip())
            labels.append(name)
            names.append(f"{name}/{file.name}")
    frame = pd.DataFrame({columns.inputs[0]: texts, columns.label: labels})
    lines = np.arange(1, len(frame) + 1)
    return Table(frame, str(path), lines, "file", classes, names, replaced)
