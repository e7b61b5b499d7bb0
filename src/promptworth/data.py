"""Load a text-classification table from the hub or a local file, and validate its rows.

Every source becomes a `Table`: its columns, plus where each row came from (the 1-based line of
a CSV or JSONL file, the 1-based row of a Parquet file or hub split), so every message can say
`train.csv:15: empty text`. Validation turns it into `text` (str) and `label` (int) columns.
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
REQUIRED = ("text", "label")


@dataclass
class Table:
    frame: pd.DataFrame  # the source's columns, one row per example
    name: str  # the file path, or "<hub id>[<split>]"
    lines: np.ndarray  # per row: its 1-based line in the file, or 1-based row number
    unit: str = "line"  # "line" (CSV, JSONL: lines of the file) or "row"

    def where(self, i: int) -> str:
        """Where row i is: `train.csv:15` or `train.parquet row 15`."""
        n = int(self.lines[i])
        return f"{self.name}:{n}" if self.unit == "line" else f"{self.name} row {n}"

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
    """A source is a local file if it exists or looks like a path; otherwise a hub dataset id."""
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


def _read_csv(path: Path) -> Table:
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
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
    if set(REQUIRED) <= set(header):
        body, body_lines = records[1:], lines[1:]
        bad = [k for k, r in enumerate(body) if len(r) != len(header)]
        if bad:
            k = bad[0]
            raise DataError(
                f"{path}:{body_lines[k]}: has {len(body[k])} fields, the header has {len(header)}"
            )
        frame = pd.DataFrame(body, columns=header)
        return Table(frame, str(path), np.array(body_lines, dtype=np.int64))
    if len(header) == 3 and header[0].isdigit():
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
    raise DataError(
        f"{path}:1: expected a header row with columns {list(REQUIRED)}, or AG News' headerless "
        f"original form (class 1-4, title, description); found {header[:8]}"
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


def read_local_table(path: str | Path) -> Table:
    """Read a CSV/Parquet/JSONL/JSON file, without validating its rows."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
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
    raise DataError(f"{path}: unsupported file type {suffix!r}; use one of {LOCAL_SUFFIXES}")


def validate_table(table: Table, num_labels: int) -> pd.DataFrame:
    """Check the columns and every row; return `text` (str, stripped) and `label` (int64)."""
    df = table.frame
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataError(f"{table.name}: missing column(s) {missing}; found {list(df.columns)}")
    if df.empty:
        raise DataError(f"{table.name}: has no rows")
    raw = df["label"]
    labels = pd.to_numeric(raw.astype(str).str.strip() if raw.dtype == object else raw, "coerce")
    bad = np.flatnonzero((labels.isna() | (labels % 1 != 0)).to_numpy())
    if len(bad):
        raise DataError(table.rows_message(bad, f"label {raw.iloc[bad[0]]!r} is not an integer"))
    out_of_range = np.flatnonzero(((labels < 0) | (labels >= num_labels)).to_numpy())
    if len(out_of_range):
        value = int(labels.iloc[out_of_range[0]])
        raise DataError(
            table.rows_message(
                out_of_range,
                f"label {value} is outside [0, {num_labels - 1}] "
                f"(data.label_names lists {num_labels} classes)",
            )
        )
    text = df["text"].astype(str).str.strip()
    empty = np.flatnonzero((df["text"].isna() | (text == "")).to_numpy())
    if len(empty):
        raise DataError(table.rows_message(empty, "empty text"))
    return pd.DataFrame({"text": text.to_numpy(), "label": labels.astype("int64").to_numpy()})


def load_hub_split(dataset_id: str, split: str) -> tuple[Table, list[str] | None]:
    """Load a split from the Hugging Face hub (or its local cache); also return its class names."""
    from datasets import load_dataset  # imported lazily: slow, and unused for local files
    from huggingface_hub.utils import logging as hub_logging

    hub_logging.set_verbosity_error()  # its retry warnings would bury the one line below
    try:
        ds = load_dataset(dataset_id, split=split)
    except Exception as err:  # the hub raises many types; the message is what helps
        first = (str(err).splitlines() or [""])[0]
        raise DataError(
            f"data.source: could not load {dataset_id!r} (split {split!r}) from the Hugging Face "
            f"hub or its cache ({type(err).__name__}: {first}); give a local file instead "
            "(data.source and data.test_source)"
        ) from err
    names = getattr(ds.features.get("label"), "names", None)
    frame = ds.to_pandas()
    return Table(frame, f"{dataset_id}[{split}]", np.arange(1, len(frame) + 1), "row"), names


def load_table(source: str, split: str, label_names: tuple[str, ...]) -> Table:
    """One split ('train' or 'test') of `source` (hub id or local file), rows not yet checked."""
    if is_local_source(source):
        return read_local_table(source)
    table, hub_names = load_hub_split(source, split)
    if hub_names is not None and len(hub_names) != len(label_names):
        raise DataError(
            f"{source}: the hub dataset has {len(hub_names)} classes {hub_names}, "
            f"but data.label_names lists {len(label_names)}"
        )
    return table


def load_split(source: str, split: str, label_names: tuple[str, ...]) -> pd.DataFrame:
    """Load and validate one split: `text` and `label` columns."""
    return validate_table(load_table(source, split, label_names), len(label_names))
