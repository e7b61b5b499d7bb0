"""Is a published answer still the code's answer? A `dvc.lock` records the md5 of every file each
stage read; published numbers count only while every file among them that no stage produced
(the code, the throughput table) is tracked on main with that md5. What a run produced (data/,
the model) is not compared: it is the lock's own record.

Pure helpers for tools/publish.py and its tests.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

# What tools/publish.py copies out of a finished workspace: the lock and the params that made
# the outputs, and the outputs a reader needs (the report stage's metrics, plots and tables).
PUBLISHED_FILES = (
    "dvc.lock",
    "params.yaml",
    "metrics/summary.json",
    "metrics/curves.csv",
    "reports/report.md",
    "reports/cost.csv",
    "reports/learning_curves.png",
)


def file_md5(path: Path) -> str:
    """The md5 DVC 3 records for a file, of its bytes as they are (code files: small)."""
    return hashlib.md5(path.read_bytes()).hexdigest()


def code_deps(lock: dict) -> dict[str, set[str]]:
    """Every dependency path of every stage that no stage produced (the code, the throughput
    table: what must be on main), with the md5(s) the lock recorded for it. One file read by
    several stages recorded at different times can have several, and then at most one of them
    matches the file. A run's own outputs (data/raw, data/runs/...) are the lock's record."""
    stages = (lock.get("stages") or {}).values()
    outs = {out["path"].rstrip("/") for stage in stages for out in stage.get("outs") or []}

    def produced(path: str) -> bool:  # an output, inside one, or a folder of outputs
        return any(
            path == out or path.startswith(out + "/") or out.startswith(path + "/") for out in outs
        )

    recorded: dict[str, set[str]] = {}
    for stage in stages:
        for dep in stage.get("deps") or []:
            if dep.get("md5") and not produced(dep["path"]):
                recorded.setdefault(dep["path"], set()).add(dep["md5"])
    return recorded


def lock_mismatches(lock_path: Path, root: Path, tracked: set[str]) -> list[str]:
    """One line per file the run read (not one it produced) that differs on `root` from what
    `lock_path` recorded for it in any stage, or that git does not track here (moved, deleted,
    or never committed); empty when the lock matches the code."""
    lock = yaml.safe_load(lock_path.read_text())
    problems = []
    for path, md5s in sorted(code_deps(lock).items()):
        here = root / path
        if path not in tracked or not here.is_file():
            problems.append(f"{path}: read by the run, not tracked here")
            continue
        stale = md5s - {file_md5(here)}
        if stale:
            recorded = ", ".join(sorted(m[:8] for m in stale))
            problems.append(f"{path}: changed since the run (md5 {recorded} in the lock)")
    return problems


# Protocol v2's convergence check (tools/convergence.py --json), published beside the answer.
CONVERGENCE_FILE = "convergence.json"
FINAL_STATUSES = ("answer", "pool", "limit")


def read_convergence(folder: Path) -> dict | None:
    """A published answer's convergence check (folder/convergence.json), None when absent."""
    checked = folder / CONVERGENCE_FILE
    return json.loads(checked.read_text()) if checked.is_file() else None


def convergence_problems(check: dict | None, summary: dict) -> list[str]:
    """What keeps a published answer's convergence check (`check`, None when absent) from being
    the one protocol v2 asks for: once a grid has stopped (an answer, the pool or the limit)
    both sides of the headline pair were trained with twice the steps at the grid's largest
    size and read on dev rows (a check on test rows would choose the steps on test rows). An
    unfinished grid, or one written before the rule (no `stopping`), needs none yet."""
    head = summary["headline"]
    status = (head.get("stopping") or {}).get("status")
    if check is None:
        if status in FINAL_STATUSES:
            return [f"no {CONVERGENCE_FILE}: the grid stopped ({status}) without its check"]
        return []
    if check.get("rows") != "dev":
        return [
            f"{CONVERGENCE_FILE} does not read dev rows (rows: {check.get('rows')!r}): a check "
            "on test accuracy would choose the steps on test rows"
        ]
    if check.get("converged") is False:
        return [
            f"{CONVERGENCE_FILE} says the rule is not converged: the protocol doubles the steps "
            "(train.epochs) and re-runs the grid before it publishes"
        ]
    pair = head["comparison"].split(" vs ")
    sizes = [{int(s) for s in summary["accuracy"].get(side, {})} for side in pair]
    largest = max(set.intersection(*sizes), default=None)
    problems = []
    for side in pair:
        checked = (check.get("series") or {}).get(side)
        if checked is None:
            problems.append(f"{CONVERGENCE_FILE} does not check {side}")
        elif checked["size"] != largest:
            problems.append(
                f"{CONVERGENCE_FILE} checks {side} at {checked['size']:,} points, the grid's "
                f"largest size is {largest:,}"
            )
    return problems


def label_count(params: dict) -> int:
    """Classes of a published run: the label words of the pattern its report reads."""
    patterns = params["format"]["patterns"]
    main = (params.get("report") or {}).get("main_pattern") or next(iter(patterns))
    return len(patterns[main]["label_words"])
