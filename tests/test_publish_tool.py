"""tools/publish.py: a finished workspace's answer copied into published/NAME, refused when its
dvc.lock recorded code that differs from this checkout."""

import argparse
import json
from pathlib import Path

import pytest
import yaml

from promptworth.tooling.published import PUBLISHED_FILES, file_md5
from tests.tools import load_tool


def workspace(path: Path, code: Path) -> Path:
    for name in PUBLISHED_FILES:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text("x")
    params = {"format": {"patterns": {"p": {"label_words": [" a", " b", " c"]}}}, "report": {}}
    (path / "params.yaml").write_text(yaml.safe_dump(params))
    lock = {"stages": {"train": {"deps": [{"path": "src/x.py", "md5": file_md5(code)}]}}}
    (path / "dvc.lock").write_text(yaml.safe_dump(lock))
    (path / "data/eval/run-10-0").mkdir(parents=True)
    (path / "data/eval/run-10-0/predictions.csv").write_text("row,label\n0,1\n")
    return path


def args(ws: Path, headline=False) -> argparse.Namespace:
    return argparse.Namespace(
        workspace=ws, name="task_model", task="Task", model="Model", protocol="protocols/t.md",
        command="bash presets/x.sh", headline=headline,
    )  # fmt: skip


def test_copy_publishes_the_answer_and_refuses_stale_code(tmp_path, monkeypatch):
    tool = load_tool("publish")
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    code = repo / "src/x.py"
    code.write_text("a = 1\n")
    monkeypatch.setattr(tool, "ROOT", repo)
    monkeypatch.setattr(tool, "PUBLISHED", repo / "published")
    monkeypatch.setattr(tool, "tracked_files", lambda: {"src/x.py"})
    ws = workspace(tmp_path / "ws", code)
    tool.copy(args(ws))
    out = repo / "published/task_model"
    assert all((out / name).is_file() for name in PUBLISHED_FILES)
    assert (out / "eval/run-10-0/predictions.csv").read_text() == "row,label\n0,1\n"
    meta = json.loads((out / "publication.json").read_text())
    assert meta["classes"] == 3 and meta["headline"] is False
    assert not (repo / "dvc.lock").exists()  # only --headline writes the top level
    tool.copy(args(ws, headline=True))
    assert (repo / "dvc.lock").read_text() == (ws / "dvc.lock").read_text()
    assert not (repo / "params.yaml").exists()  # the defaults stay; the run's are published
    code.write_text("a = 2\n")
    with pytest.raises(SystemExit, match="src/x.py: changed since the run"):
        tool.copy(args(ws))
