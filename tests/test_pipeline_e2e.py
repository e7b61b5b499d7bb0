"""The whole `dvc repro` on tiny settings, in a temporary copy of the repository."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests import tiny

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.e2e


def run(cmd: list[str], cwd: Path) -> str:
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    # `python` in dvc.yaml must be this interpreter (the one with promptworth installed).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def stages_run(output: str) -> list[str]:
    return re.findall(r"Running stage '([^']+)'", output)


@pytest.fixture(scope="module")
def repo(tmp_path_factory, tiny_model_dir, tiny_bert_dir):
    work = tmp_path_factory.mktemp("repo")
    for name in ("dvc.yaml", "pipeline", "src", ".dvc", ".dvcignore", ".gitignore"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(
                src, work / name, ignore=shutil.ignore_patterns("__pycache__", "tmp", "cache")
            )
        else:
            shutil.copy(src, work / name)
    train_csv, test_csv = tiny.write_dataset(tmp_path_factory.mktemp("data"))
    defaults = yaml.safe_load((ROOT / "params.yaml").read_text())
    params = tiny.tiny_params(defaults, train_csv, test_csv, tiny_model_dir, tiny_bert_dir)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["git", "init", "-q"], work)
    run(["git", "add", "-A"], work)  # DVCLive needs a repository with a commit
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny"], work)
    first = run([sys.executable, "-m", "dvc", "repro"], work)
    return work, params, first


def test_repro_runs_every_stage_and_writes_every_output(repo):
    work, params, first = repo
    runs = len(params["train"]["methods"]) * len(params["sample"]["sizes"]) * 2
    assert len(stages_run(first)) == 5 + 2 * runs + 1
    for path in (
        "dvc.lock",
        "metrics/summary.json",
        "metrics/curves.csv",
        "reports/learning_curves.png",
        "reports/report.md",
    ):
        assert (work / path).stat().st_size > 0, path
    assert len(list((work / "data/runs").iterdir())) == runs
    assert (work / "data/runs/head_frozen-8-0/head.safetensors").is_file()
    assert not (work / "data/runs/head_frozen-8-0/model.safetensors").exists()
    assert (work / "data/runs/prompt-40-0/lm/model.safetensors").is_file()
    assert (work / "data/runs/prompt-40-0/live/plots/metrics/train_loss.tsv").is_file()
    # train.limits.prompt.seeds_at_max_size = 1 trims the second seed at the largest size
    assert [p.name for p in (work / "data/runs/prompt-40-1").iterdir()] == ["skipped.json"]


def test_metrics_are_in_range_and_trained_models_beat_chance(repo):
    work, params, _ = repo
    curves = pd.read_csv(work / "metrics/curves.csv")
    # rank, rank_norm, rank_cal, one per verbaliser
    prompt_readings = 3 + len(params["eval"]["verbalisers"])
    head_runs, prompt_runs = 2 * 2 * 2, 2 + 1  # 2 heads x 2 sizes x 2 seeds; prompt trimmed
    assert len(curves) == head_runs + prompt_runs * prompt_readings
    assert set(curves.loc[curves["method"] == "prompt", "seed"][curves["size"] == 40]) == {0}
    assert curves["accuracy"].between(0, 1).all() and curves["none_rate"].between(0, 1).all()
    assert (curves["n"] == params["eval"]["test_size"]).all()
    summary = json.loads((work / "metrics/summary.json").read_text())
    assert summary["accuracy"]["head_full/argmax"]["40"]["accuracy_mean"] > 0.5
    assert summary["accuracy"]["prompt/gen_exact"]["40"]["accuracy_mean"] > 0.4
    assert "prompt/rank vs head_full/argmax" in summary["data_advantage"]
    preds = pd.read_csv(work / "data/eval/prompt-40-0/predictions.csv")
    assert {"rank", "rank_norm", "rank_cal", "gen_exact", "gen_rouge", "gen_bertscore"} <= set(
        preds.columns
    )


def test_second_repro_runs_nothing(repo):
    work, _, _ = repo
    out = run([sys.executable, "-m", "dvc", "repro"], work)
    assert stages_run(out) == []


def test_report_only_param_reruns_only_report(repo):
    work, params, _ = repo
    params["report"]["accuracy_levels"] = 500
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = run([sys.executable, "-m", "dvc", "repro"], work)
    assert stages_run(out) == ["report"]


def test_prompt_learning_rate_reruns_only_prompt_runs(repo):
    work, params, _ = repo
    params["train"]["learning_rate"]["prompt"] = 2.0e-3
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = run([sys.executable, "-m", "dvc", "status"], work)
    changed = set(re.findall(r"^(\S+@\S+):", out, flags=re.M))
    assert changed and all(name.split("@")[1].startswith("prompt-") for name in changed)
