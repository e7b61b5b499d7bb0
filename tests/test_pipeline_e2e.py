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


def cells(params) -> int:
    t, s = params["train"], params["sample"]
    return len(t["methods"]) * len(t["patterns"]) * len(s["sizes"]) * len(s["seeds"])


def test_repro_runs_every_stage_and_writes_every_output(repo):
    work, params, first = repo
    assert len(stages_run(first)) == 5 + 2 * cells(params) + 1
    for path in (
        "dvc.lock",
        "metrics/summary.json",
        "metrics/curves.csv",
        "reports/learning_curves.png",
        "reports/report.md",
    ):
        assert (work / path).stat().st_size > 0, path
    runs = work / "data/runs"
    assert len(list(runs.iterdir())) == cells(params)
    assert (runs / "head_frozen-instruct-8-0/head.safetensors").is_file()
    assert not (runs / "head_frozen-instruct-8-0/model.safetensors").exists()
    assert (runs / "prompt-instruct-40-0/lm/model.safetensors").is_file()
    assert (runs / "prompt-keyword-40-0/lm/model.safetensors").is_file()
    assert (runs / "prompt-instruct-40-0/live/plots/metrics/train_loss.tsv").is_file()
    for method in ("prompt_lora", "prompt_tuning"):  # adapters only, never the whole LM
        assert (runs / f"{method}-keyword-8-0/adapter/adapter_model.safetensors").is_file()
        assert not (runs / f"{method}-keyword-8-0/lm").exists()
    skipped = [
        "prompt-instruct-40-1",  # train.limits.prompt.seeds_at_max_size = 1
        "head_full-keyword-8-0",  # heads read no pattern: main pattern only
        "prompt_null-keyword-8-0",  # train.limits.prompt_null.all_patterns = false
        "prompt_lora-instruct-8-1",  # train.limits.prompt_lora.seeds = 1
        "icl_zero-instruct-40-0",  # no training data: one run per pattern
    ]
    for name in skipped:
        assert [p.name for p in (runs / name).iterdir()] == ["skipped.json"], name
    trained = json.loads((runs / "prompt-instruct-8-0/train.json").read_text())
    assert 0 < trained["chosen_step"] <= trained["steps"] <= trained["planned_steps"]
    assert trained["train_tokens"] > 0 and trained["trainable_parameters"] > 0
    demos = json.loads((runs / "icl_few-keyword-40-0/train.json").read_text())["demonstrations"]
    assert len(set(demos)) == params["train"]["icl"]["shots"] and max(demos) < 40


def test_metrics_are_in_range_and_trained_models_beat_chance(repo):
    work, params, _ = repo
    curves = pd.read_csv(work / "metrics/curves.csv")
    assert set(curves["pattern"]) == {"instruct", "keyword"}
    runs = curves.drop_duplicates(["method", "pattern", "size", "seed"])
    expected_runs = {  # (method, pattern) -> runs after the grid rules and the tiny limits
        ("head_frozen", "instruct"): 4,
        ("head_full", "instruct"): 4,
        ("prompt", "instruct"): 3,
        ("prompt", "keyword"): 3,
        ("prompt_null", "instruct"): 3,
        ("prompt_lora", "instruct"): 2,
        ("prompt_lora", "keyword"): 2,
        ("prompt_tuning", "instruct"): 2,
        ("prompt_tuning", "keyword"): 2,
        ("icl_zero", "instruct"): 1,
        ("icl_zero", "keyword"): 1,
        ("icl_few", "instruct"): 2,
        ("icl_few", "keyword"): 2,
    }
    assert runs.groupby(["method", "pattern"]).size().to_dict() == expected_runs
    # rank, rank_norm, rank_cal for every LM method; one per verbaliser where generation runs
    readings = curves.groupby("method")["reading"].nunique().to_dict()
    verbalisers = len(params["eval"]["verbalisers"])
    assert readings == {
        "head_frozen": 1,
        "head_full": 1,
        "prompt": 3 + verbalisers,
        "prompt_null": 3 + verbalisers,
        "prompt_lora": 3,
        "prompt_tuning": 3,
        "icl_zero": 3,
        "icl_few": 3,
    }
    assert curves["accuracy"].between(0, 1).all() and curves["none_rate"].between(0, 1).all()
    assert (curves["n"] == params["eval"]["test_size"]).all()
    summary = json.loads((work / "metrics/summary.json").read_text())
    assert summary["accuracy"]["head_full/argmax"]["40"]["accuracy_mean"] > 0.5
    assert summary["accuracy"]["prompt/gen_exact"]["40"]["accuracy_mean"] > 0.4
    for pair in (
        "prompt/rank vs head_full/argmax",
        "prompt/rank vs head_frozen/argmax",
        "prompt/rank vs prompt_null/rank",
        "prompt_lora/rank vs head_full/argmax",
        "icl_few/rank vs head_frozen/argmax",
    ):
        assert pair in summary["data_advantage"], pair
    assert "8" in summary["pattern_spread"]["prompt/rank"]
    assert summary["cost"]["prompt_tuning"]["8"]["trainable_parameters"] < (
        summary["cost"]["prompt"]["8"]["trainable_parameters"] / 10
    )
    preds = pd.read_csv(work / "data/eval/prompt-instruct-40-0/predictions.csv")
    assert {"rank", "rank_norm", "rank_cal", "gen_exact", "gen_rouge", "gen_bertscore"} <= set(
        preds.columns
    )
    icl = json.loads((work / "data/eval/icl_few-instruct-8-0/metrics.json").read_text())
    assert icl["demonstrations_kept_mean"] < params["train"]["icl"]["shots"]  # budget 64 tokens
    report = (work / "reports/report.md").read_text()
    for section in ("## Data advantage", "## Spread across patterns", "## Cost"):
        assert section in report


def test_second_repro_runs_nothing(repo):
    work, _, _ = repo
    out = run([sys.executable, "-m", "dvc", "repro"], work)
    assert stages_run(out) == []


def changed_stages(work: Path, params: dict) -> set[str]:
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = run([sys.executable, "-m", "dvc", "status"], work)
    return set(re.findall(r"^(\S+):", out, flags=re.M)) - {"changed deps", "changed outs"}


def test_report_only_param_reruns_only_report(repo):
    work, params, _ = repo
    params["report"]["accuracy_levels"] = 500
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    out = run([sys.executable, "-m", "dvc", "repro"], work)
    assert stages_run(out) == ["report"]


def test_param_changes_mark_only_the_runs_that_read_them(repo):
    work, params, _ = repo
    original = yaml.safe_load(yaml.safe_dump(params))
    params["train"]["learning_rate"]["prompt"] = 2.0e-3
    changed = changed_stages(work, params)
    assert changed and all(n.startswith("train@prompt-") for n in changed - {"report"}), changed
    params = yaml.safe_load(yaml.safe_dump(original))
    params["format"]["patterns"]["keyword"]["template"] = "{text} Subject:"
    changed = changed_stages(work, params)
    assert changed and all("-keyword-" in n for n in changed - {"report"}), changed
    params = yaml.safe_load(yaml.safe_dump(original))
    params["format"]["patterns"]["keyword2"] = params["format"]["patterns"]["keyword"]
    params["train"]["patterns"].append("keyword2")  # a new pattern re-runs no existing stage
    changed = changed_stages(work, params)
    assert changed and all("-keyword2-" in n for n in changed - {"report"}), changed
    (work / "params.yaml").write_text(yaml.safe_dump(original, sort_keys=False))
