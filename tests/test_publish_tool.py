"""tools/publish.py: a finished workspace's answer copied into published/NAME, refused when its
dvc.lock recorded code that differs from this checkout."""

import argparse
import json
from pathlib import Path

import pytest
import yaml

from promptworth.tooling.published import PUBLISHED_FILES, file_md5
from tests.tools import load_tool

PAIR = "prompt/rank vs head_full/argmax"


def summary(stopping: dict | None) -> dict:
    """A report's summary: the headline pair at 10 and 100 points, stopped or not (v1: no rule)."""
    cells = {"10": {}, "100": {}}
    headline = {"comparison": PAIR, **({"stopping": stopping} if stopping else {})}
    return {"accuracy": {"prompt/rank": cells, "head_full/argmax": cells}, "headline": headline}


def check_at(size: int, series=("prompt/rank", "head_full/argmax")) -> dict:
    """tools/convergence.py --json's record, every series checked at `size` on dev rows."""
    return {
        "rows": "dev",
        "series": {s: {"size": size, "seed": 0} for s in series},
        "converged": True,
    }


def workspace(path: Path, code: Path, stopping: dict | None = None) -> Path:
    for name in PUBLISHED_FILES:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text("x")
    params = {"format": {"patterns": {"p": {"label_words": [" a", " b", " c"]}}}, "report": {}}
    (path / "params.yaml").write_text(yaml.safe_dump(params))
    (path / "metrics/summary.json").write_text(json.dumps(summary(stopping)))
    lock = {"stages": {"train": {"deps": [{"path": "src/x.py", "md5": file_md5(code)}]}}}
    (path / "dvc.lock").write_text(yaml.safe_dump(lock))
    (path / "data/eval/run-10-0").mkdir(parents=True)
    (path / "data/eval/run-10-0/predictions.csv").write_text("row,label\n0,1\n")
    return path


def args(ws: Path, headline=False, convergence=None) -> argparse.Namespace:
    return argparse.Namespace(
        workspace=ws, name="task_model", task="Task", model="Model", protocol="protocols/t.md",
        command="bash presets/x.sh", headline=headline, convergence=convergence,
    )  # fmt: skip


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """tools/publish.py pointed at a checkout in tmp_path whose one tracked code file is
    src/x.py: (the tool, the checkout, the code file)."""
    tool = load_tool("publish")
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    code = repo / "src/x.py"
    code.write_text("a = 1\n")
    monkeypatch.setattr(tool, "ROOT", repo)
    monkeypatch.setattr(tool, "PUBLISHED", repo / "published")
    monkeypatch.setattr(tool, "tracked_files", lambda: {"src/x.py"})
    return tool, repo, code


def test_copy_publishes_the_answer_and_refuses_stale_code(checkout, tmp_path):
    tool, repo, code = checkout
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


def test_a_stopped_grid_publishes_only_with_its_convergence_check_at_the_largest_size(
    checkout, tmp_path
):
    tool, repo, code = checkout
    ws = workspace(tmp_path / "ws", code, stopping={"status": "answer"})
    with pytest.raises(SystemExit, match="no convergence.json: the grid stopped \\(answer\\)"):
        tool.copy(args(ws))
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(check_at(10)))
    with pytest.raises(SystemExit, match="checks prompt/rank at 10 points, the grid's largest"):
        tool.copy(args(ws, convergence=wrong))
    one_sided = tmp_path / "one.json"
    one_sided.write_text(json.dumps(check_at(100, series=["prompt/rank"])))
    with pytest.raises(SystemExit, match="does not check head_full/argmax"):
        tool.copy(args(ws, convergence=one_sided))
    failed = tmp_path / "failed.json"
    failed.write_text(json.dumps({**check_at(100), "converged": False}))
    with pytest.raises(SystemExit, match="not converged: the protocol doubles the steps"):
        tool.copy(args(ws, convergence=failed))
    on_test = tmp_path / "test_rows.json"  # the first v2 record: test accuracy, no "rows"
    on_test.write_text(json.dumps({k: v for k, v in check_at(100).items() if k != "rows"}))
    with pytest.raises(SystemExit, match="does not read dev rows .* choose the steps on test"):
        tool.copy(args(ws, convergence=on_test))
    right = tmp_path / "right.json"
    right.write_text(json.dumps(check_at(100)))
    tool.copy(args(ws, convergence=right))
    published = repo / "published/task_model"
    assert json.loads((published / "convergence.json").read_text()) == check_at(100)
    with pytest.raises(SystemExit) as passed:
        tool.check(None)
    assert passed.value.code == 0
    (published / "convergence.json").unlink()  # a stopped grid without its check: incomplete
    with pytest.raises(SystemExit) as failed:
        tool.check(None)
    assert failed.value.code == 1


def test_an_unfinished_or_v1_grid_needs_no_check_and_a_republication_drops_a_stale_one(
    checkout, tmp_path
):
    tool, repo, code = checkout
    check = tmp_path / "check.json"
    check.write_text(json.dumps(check_at(100)))
    tool.copy(args(workspace(tmp_path / "ws", code, {"status": "answer"}), convergence=check))
    assert (repo / "published/task_model/convergence.json").is_file()
    unfinished = workspace(tmp_path / "ws2", code, {"status": "continue", "next_size": 200})
    tool.copy(args(unfinished))
    assert not (repo / "published/task_model/convergence.json").exists()
    tool.copy(args(workspace(tmp_path / "ws3", code)))  # v1: no stopping rule
