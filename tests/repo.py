"""A temporary copy of the repository to run the DVC pipeline in (the end-to-end tests)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]


def env() -> dict:
    e = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    # `python` in dvc.yaml must be this interpreter (the one with promptworth installed).
    e["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{e['PATH']}"
    return e


def run(cmd: list[str], cwd: Path, ok: bool = True) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    if ok:
        assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def dvc(*args: str, cwd: Path, ok: bool = True) -> str:
    return run([sys.executable, "-m", "dvc", *args], cwd, ok)


def stages_run(output: str) -> list[str]:
    return re.findall(r"Running stage '([^']+)'", output)


def write_params(work: Path, params: dict) -> None:
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def commit(work: Path, message: str) -> None:
    run(["git", "add", "-A"], work)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message], work)


def make_repo(work: Path, params: dict) -> Path:
    """Copy what the pipeline needs into `work`, write `params`, and commit (DVCLive and
    `dvc exp` need a repository with a commit)."""
    for name in ("dvc.yaml", "pipeline", "src", "bench", ".dvc", ".dvcignore", ".gitignore"):
        src = ROOT / name
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "tmp", "cache")
            shutil.copytree(src, work / name, ignore=ignore)
        else:
            shutil.copy(src, work / name)
    write_params(work, params)
    run(["git", "init", "-q"], work)
    commit(work, "tiny")
    return work
