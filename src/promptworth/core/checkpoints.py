"""Checksums written beside every checkpoint and verified before it is loaded.

A checkpoint is kept only with train.keep_checkpoint. A damaged one (a truncated copy, a tool that
wrote into it) otherwise surfaces as a safetensors traceback, or worse, loads. The run folder
gets checksums.json (SHA-256 of every file) when the run saves it; verify_checkpoint checks it
before loading and fails in one line naming the file and the command that restores it from
DVC's cache (which `cache.type: reflink,copy` keeps apart from the workspace, so a damaged
workspace file never reaches the cache).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from promptworth.core.errors import CheckpointError

CHECKSUMS = "checksums.json"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(run_dir: Path) -> list[Path]:
    return sorted(p for p in run_dir.rglob("*") if p.is_file() and p.name != CHECKSUMS)


def write_checksums(run_dir: Path) -> None:
    """Record every file of a freshly saved run folder (relative path -> size, SHA-256)."""
    table = {
        str(p.relative_to(run_dir)): {"bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in _files(run_dir)
    }
    (run_dir / CHECKSUMS).write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


def verify_sizes(run_dir: Path, stage: str) -> None:
    """The cheap half of verify_checkpoint, run before every load: each listed file is present
    with the size it was saved with (a truncated copy, the common damage, fails here in one
    line); no hashing. A folder without checksums.json is not checked."""
    listing = run_dir / CHECKSUMS
    if not listing.is_file():
        return
    try:
        table = json.loads(listing.read_text())
    except ValueError:
        raise CheckpointError(
            f"{listing}: damaged (not valid JSON); {_restore(run_dir, stage)}"
        ) from None
    for name, expected in table.items():
        path = run_dir / name
        if not path.is_file():
            raise CheckpointError(f"{path}: missing; {_restore(run_dir, stage)}")
        if path.stat().st_size != expected["bytes"]:
            raise CheckpointError(
                f"{path}: damaged ({path.stat().st_size:,} bytes, {expected['bytes']:,} when "
                f"saved); {_restore(run_dir, stage)}"
            )


def _restore(run_dir: Path, stage: str) -> str:
    return (
        f"restore it with `dvc checkout --force {run_dir}` (from DVC's cache), or rebuild it "
        f"with `dvc repro -f {stage}`"
    )


def verify_checkpoint(run_dir: Path, stage: str) -> None:
    """Raise CheckpointError naming the first missing or damaged file of `run_dir`, with the
    commands that restore it (`stage`: the stage that wrote it, e.g. run_prompt@...).
    A folder without checksums.json (saved before they were written) is not checked."""
    listing = run_dir / CHECKSUMS
    restore = _restore(run_dir, stage)
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: checkpoint folder not found; {restore}")
    if not listing.is_file():
        return
    try:
        table = json.loads(listing.read_text())
    except ValueError:
        raise CheckpointError(f"{listing}: damaged (not valid JSON); {restore}") from None
    for name, expected in table.items():
        path = run_dir / name
        if not path.is_file():
            raise CheckpointError(f"{path}: missing from the checkpoint; {restore}")
        size = path.stat().st_size
        if size != expected["bytes"] or file_sha256(path) != expected["sha256"]:
            raise CheckpointError(
                f"{path}: damaged ({size:,} bytes, {expected['bytes']:,} when saved; its "
                f"checksum differs); {restore}"
            )
