"""A grid split over machines and gathered with DVC's own remote and run-cache (docs/pipeline.md,
"Several machines"): clone A runs the head family, clone B the prompt family, both push to a
directory remote with --run-cache; clone C's `dvc repro --pull` trains nothing and writes the
metrics a single machine writes for the whole grid. The same through tools/runs_archive.py, for
a machine that can only hand back files; and a report over a slice says which runs it lacks."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import tiny
from tests.repo import ROOT, dvc, make_repo, run, stages_run

pytestmark = pytest.mark.e2e

ARCHIVE_TOOL = ROOT / "tools/runs_archive.py"


def grid_params(base: dict) -> dict:
    """Two trained runs, one per family: the smallest grid a split can show."""
    p = json.loads(json.dumps(base))
    p["grid"] = {
        "head": {"methods": ["head_full"], "sizes": [8], "seeds": [0]},
        "prompt": {"methods": ["prompt"], "patterns": ["instruct"], "sizes": [8], "seeds": [0]},
        "icl_zero": {"patterns": []},
        "icl_few": {"patterns": [], "sizes": [], "seeds": []},
    }
    p["report"]["baseline"] = "head_full"
    return p


def sliced(params: dict, family: str) -> dict:
    """Only `family`'s runs: the other trained family's methods emptied (what `-S` would do)."""
    p = json.loads(json.dumps(params))
    other = {"head": "prompt", "prompt": "head"}[family]
    p["grid"][other]["methods"] = []
    return p


def trained_here(output: str) -> list[str]:
    return [s for s in stages_run(output) if s.startswith("run_")]


@pytest.fixture(scope="module")
def machines(tmp_path_factory, tiny_model_dir, tiny_bert_dir):
    """The whole grid on one machine, and slices A (head) and B (prompt) pushed to a remote."""
    train_csv, test_csv = tiny.write_dataset(tmp_path_factory.mktemp("data"))
    defaults = yaml.safe_load((ROOT / "params.yaml").read_text())
    params = grid_params(
        tiny.tiny_params(defaults, train_csv, test_csv, tiny_model_dir, tiny_bert_dir)
    )
    remote = tmp_path_factory.mktemp("remote")
    whole = make_repo(tmp_path_factory.mktemp("whole"), params)
    assert sorted(trained_here(dvc("repro", cwd=whole))) == [
        "run_head@head_full-8-0", "run_prompt@prompt-instruct-8-0",
    ]  # fmt: skip
    slices = {}
    for family in ("head", "prompt"):
        work = make_repo(tmp_path_factory.mktemp(f"slice_{family}"), sliced(params, family))
        dvc("remote", "add", "-d", "shared", str(remote), cwd=work)
        assert len(trained_here(dvc("repro", cwd=work))) == 1
        dvc("push", "--run-cache", cwd=work)
        slices[family] = work
    return params, remote, whole, slices


def fresh(tmp_path: Path, params: dict) -> Path:
    """A new clone with the whole grid in its params and nothing run."""
    (tmp_path / "gather").mkdir()
    return make_repo(tmp_path / "gather", params)


def summary(work: Path) -> str:
    return (work / "metrics/summary.json").read_text()


def test_a_gathering_clone_trains_nothing_and_matches_one_machine(machines, tmp_path):
    params, remote, whole, _ = machines
    gather = fresh(tmp_path, params)
    dvc("remote", "add", "-d", "shared", str(remote), cwd=gather)
    # --pull: each stage found in the remote's run-cache is restored with its outputs' files
    # (`dvc pull --run-cache` alone fetches the entries, not the files they name).
    out = dvc("repro", "--pull", cwd=gather)
    assert trained_here(out) == [], out
    assert "run_head@head_full-8-0" in out and "is cached" in out
    assert summary(gather) == summary(whole)


def test_the_archive_path_carries_a_slice_without_a_remote(machines, tmp_path):
    params, _, whole, slices = machines
    gather = fresh(tmp_path, params)
    for family, work in slices.items():
        archive = tmp_path / f"{family}.tar.gz"
        packed = run([sys.executable, str(ARCHIVE_TOOL), "pack", str(archive)], work)
        assert re.search(r"packed 1 run-cache entries", packed), packed
        assert archive.stat().st_size < 2**20  # scores and records only: no checkpoint
        run([sys.executable, str(ARCHIVE_TOOL), "unpack", str(archive)], gather)
    out = dvc("repro", cwd=gather)
    assert trained_here(out) == [], out
    assert summary(gather) == summary(whole)


def test_a_report_over_one_slice_names_the_runs_it_lacks(machines, tmp_path):
    params, _, _, slices = machines
    gather = fresh(tmp_path, params)
    archive = tmp_path / "head.tar.gz"
    run([sys.executable, str(ARCHIVE_TOOL), "pack", str(archive)], slices["head"])
    run([sys.executable, str(ARCHIVE_TOOL), "unpack", str(archive)], gather)
    out = dvc("repro", "run_head@head_full-8-0", cwd=gather)
    assert trained_here(out) == [], out
    dvc("repro", "-s", "read", cwd=gather)
    out = dvc("repro", "-s", "report", cwd=gather)
    assert "1 runs of the grid missing here: prompt-instruct-8-0" in out
    report = (gather / "reports/report.md").read_text()
    assert "**Missing: 1 runs of the grid have no scores here**" in report
    assert json.loads(summary(gather))["missing_runs"] == ["prompt-instruct-8-0"]
    cost = (gather / "reports/cost.csv").read_text()
    assert "torch" in cost.splitlines()[1]  # provenance: the machine and torch of each run


def test_an_archive_with_a_checkpoint_over_the_limit_is_refused(machines, tmp_path):
    _, _, _, slices = machines
    done = subprocess.run(
        [sys.executable, str(ARCHIVE_TOOL), "pack", str(tmp_path / "x.tar.gz"), "--max-mb",
         "0.001"],
        cwd=slices["head"], capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0 and "over --max-mb 0.001" in done.stderr
    assert not (tmp_path / "x.tar.gz").exists()
