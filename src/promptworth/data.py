"""Load AG News (or any text classification table) from the hub or a local file, and validate it.

Every source becomes a DataFrame with columns `text` (str) and `label` (int in [0, num_labels)).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

LOCAL_SUFFIXES = (".csv", ".parquet", ".jsonl", ".json")


class DataError(ValueError):
    """A data source is missing, malformed or holds invalid rows; the message names it."""


def is_local_source(source: str) -> bool:
    """A source is a local file if it exists or looks like a path; otherwise a hub dataset id."""
    return Path(source).exists() or source.endswith(LOCAL_SUFFIXES) or source.startswith((".", "/"))


def _read_csv(path: Path) -> pd.DataFrame:
    head = pd.read_csv(path, nrows=0)
    if {"text", "label"} <= set(head.columns):
        return pd.read_csv(path, keep_default_na=False)
    # AG News' original release: headerless (class 1..4, title, description).
    raw = pd.read_csv(path, header=None, keep_default_na=False)
    if raw.shape[1] != 3:
        raise DataError(
            f"{path}: expected columns 'text,label' or the original 3-column AG News form "
            f"(class, title, description); found header {list(head.columns)}"
        )
    classes = pd.to_numeric(raw[0], errors="coerce")
    if classes.isna().any():
        bad = raw.index[classes.isna()][:5].tolist()
        raise DataError(f"{path}: non-numeric class in the first column at rows {bad}")
    text = (raw[1].astype(str).str.strip() + " " + raw[2].astype(str).str.strip()).str.strip()
    # The original numbers classes from 1; the hub (and this project) from 0.
    return pd.DataFrame({"text": text, "label": classes.astype(int) - 1})


def read_local_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV/Parquet/JSONL file into (text, label) rows, without validation."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".jsonl", ".json"):
            return pd.read_json(path, lines=suffix == ".jsonl")
    except (ValueError, pd.errors.ParserError) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"{path}: could not parse as {suffix[1:]}: {err}") from err
    raise DataError(f"{path}: unsupported file type {suffix!r}; use one of {LOCAL_SUFFIXES}")


def validate_table(df: pd.DataFrame, num_labels: int, where: str) -> pd.DataFrame:
    """Check the schema and rows; return a clean copy with `text` str and `label` int64."""
    missing = {"text", "label"} - set(df.columns)
    if missing:
        raise DataError(f"{where}: missing column(s) {sorted(missing)}; found {list(df.columns)}")
    if df.empty:
        raise DataError(f"{where}: has no rows")
    labels = pd.to_numeric(df["label"], errors="coerce")
    bad = df.index[labels.isna() | (labels % 1 != 0)].tolist()
    if bad:
        raise DataError(f"{where}: non-integer label at rows {bad[:5]}")
    out_of_range = df.index[(labels < 0) | (labels >= num_labels)].tolist()
    if out_of_range:
        raise DataError(
            f"{where}: label outside [0, {num_labels - 1}] at rows {out_of_range[:5]} "
            f"(values {sorted(set(labels[out_of_range].astype(int)))[:5]}); "
            f"data.label_names lists {num_labels} classes"
        )
    text = df["text"].astype(str).str.strip()
    empty = df.index[df["text"].isna() | (text == "")].tolist()
    if empty:
        raise DataError(f"{where}: empty text at rows {empty[:5]}")
    return pd.DataFrame({"text": text.to_numpy(), "label": labels.astype("int64").to_numpy()})


def load_hub_split(dataset_id: str, split: str) -> tuple[pd.DataFrame, list[str] | None]:
    """Load a split from the Hugging Face hub (or its local cache); also return its class names."""
    from datasets import load_dataset  # imported lazily: slow, and unused for local files

    ds = load_dataset(dataset_id, split=split)
    names = getattr(ds.features.get("label"), "names", None)
    return ds.to_pandas()[["text", "label"]], names


def load_split(source: str, split: str, label_names: tuple[str, ...]) -> pd.DataFrame:
    """Load and validate one split ('train' or 'test') of `source` (hub id or local file)."""
    if is_local_source(source):
        return validate_table(read_local_table(source), len(label_names), source)
    df, hub_names = load_hub_split(source, split)
    if hub_names is not None and len(hub_names) != len(label_names):
        raise DataError(
            f"{source}: the hub dataset has {len(hub_names)} classes {hub_names}, "
            f"but data.label_names lists {len(label_names)}"
        )
    return validate_table(df, len(label_names), f"{source}[{split}]")
