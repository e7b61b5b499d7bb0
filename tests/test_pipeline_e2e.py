"""The whole `dvc repro` on tiny settings, in a temporary copy of the repository.

One repro of every stage family, then what a user does next: repro again, change one param of
each kind and see which stages DVC marks, add a size, force a retrain, kill a training stage,
and the README's `dvc exp run -S` examples as written.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests import tiny
from tests.repo import commit, dvc, env, make_repo, run, stages_run, write_params

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def repo(tmp_path_factory, tiny_model_dir, tiny_bert_dir):
    train_csv, test_csv = tiny.write_dataset(tmp_path_factory.mktemp("data"))
    defaults = yaml.safe_load((ROOT / "params.yaml").read_text())
    params = tiny.tiny_params(defaults, train_csv, test_csv, tiny_model_dir, tiny_bert_dir)
    work = make_repo(tmp_path_factory.mktemp("repo"), params)
    first = dvc("repro", cwd=work)
    commit(work, "first repro")
    return work, params, first


def listed_stages(work: Path) -> list[str]:
    return [line.split()[0] for line in dvc("stage", "list", cwd=work).splitlines() if line]


def changed_stages(work: Path, params: dict) -> set[str]:
    """Stages `dvc status` marks after writing `params` (params.yaml is restored by the caller)."""
    write_params(work, params)
    out = dvc("status", cwd=work)
    return set(re.findall(r"^(\S+):", out, flags=re.M)) - {"changed deps", "changed outs"}


def edited(params: dict, path: str, value) -> dict:
    p = json.loads(json.dumps(params))
    *parents, last = path.split(".")
    node = p
    for key in parents:
        node = node[key]
    node[last] = value(node[last]) if callable(value) else value
    return p


RUNS = 8 + 16 + 2 + 2  # head 2x2x2, prompt 4x2x2x1, icl_zero 2, icl_few 1x1x2


def run_of(stage: str) -> str:
    """The run folder of a stage: run_icl_zero@instruct -> icl_zero-instruct."""
    family, cell = stage.split("@")
    method = family.removeprefix("run_")
    return f"{method}-{cell}" if method.startswith("icl_") else cell


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_every_stage_that_exists_runs_and_does_real_work(repo):
    work, _, first = repo
    listed = listed_stages(work)
    assert sorted(stages_run(first)) == sorted(listed)  # no stage is skipped or a no-op
    run_stages = [s for s in listed if s.startswith("run_")]
    trained = [s for s in run_stages if s.startswith(("run_head@", "run_prompt@"))]
    assert len(trained) == 8 + 16 and len(run_stages) == RUNS  # one stage per run
    assert set(listed) - set(run_stages) == {
        "validate", "download", "model", "plan", "sample", "format", "features", "read", "report"
    }  # fmt: skip
    runs = work / "data/runs"
    for stage in run_stages:  # small results: scores and the record, no checkpoint by default
        run_dir = runs / run_of(stage)
        files = {p.name for p in run_dir.iterdir()}
        expected = {"scores.csv", "scores.json"} | ({"train.json"} if stage in trained else set())
        assert files == expected, (stage, files)
        assert folder_bytes(run_dir) < 10 * 2**20, stage
        scores = json.loads((work / "data/eval" / run_of(stage) / "metrics.json").read_text())
        assert scores["readings"], stage
    logs = work / "data/logs/runs/prompt-instruct-40-0"
    assert (logs / "live/plots/metrics/train_loss.tsv").is_file() and (logs / "cost.json").is_file()
    cost = json.loads((logs / "cost.json").read_text())
    assert cost["train_seconds"] > 0 and cost["eval_seconds"] > 0
    trained = json.loads((runs / "prompt-instruct-8-0/train.json").read_text())
    assert 0 < trained["chosen_step"] <= trained["steps"] <= trained["planned_steps"]
    assert trained["train_tokens"] > 0 and trained["trainable_parameters"] > 0
    assert trained["examples_seen"] >= 8 and trained["epochs"] >= 1
    assert "train_seconds" not in trained  # measured cost lives in the logs
    assert trained["epochs_at_chosen_step"] >= 1  # the kept weights saw the whole subset
    frozen = json.loads((runs / "head_frozen-40-0/train.json").read_text())
    assert [c["learning_rate"] for c in frozen["learning_rate_candidates"]] == [1e-2, 3e-2]
    best = max(frozen["learning_rate_candidates"], key=lambda c: c["kept_dev"]["dev_accuracy"])
    assert frozen["kept_dev"]["dev_accuracy"] == best["kept_dev"]["dev_accuracy"]
    assert frozen["dev_rows_used"] == 24  # patience 2: dev rows pick the step and the rate
    assert "Running stage 'plan'" in first and "estimated" in first
    plan_at = first.index("Running stage 'plan'")
    assert plan_at < first.index("Running stage 'run_")  # the estimate comes before training


def test_metrics_are_in_range_and_trained_models_beat_chance(repo):
    work, params, _ = repo
    curves = pd.read_csv(work / "metrics/curves.csv", keep_default_na=False)
    runs = curves.drop_duplicates(["method", "pattern", "size", "seed"])
    assert runs.groupby(["method", "pattern"]).size().to_dict() == {
        ("head_frozen", ""): 4,
        ("head_full", ""): 4,
        ("prompt", "instruct"): 2,
        ("prompt", "keyword"): 2,
        ("prompt_null", "instruct"): 2,
        ("prompt_null", "keyword"): 2,
        ("prompt_lora", "instruct"): 2,
        ("prompt_lora", "keyword"): 2,
        ("prompt_tuning", "instruct"): 2,
        ("prompt_tuning", "keyword"): 2,
        ("icl_zero", "instruct"): 1,
        ("icl_zero", "keyword"): 1,
        ("icl_few", "instruct"): 2,
    }
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
    trained = curves["method"].map(lambda m: not m.startswith("icl_"))
    assert (curves.loc[trained, "dev_rows"] == 24).all() and (
        curves.loc[~trained, "dev_rows"] == 0
    ).all()
    assert (curves["labelled_rows"] == curves["size"] + curves["dev_rows"]).all()
    assert (curves["n"] == params["sample"]["test_size"]).all()
    summary = json.loads((work / "metrics/summary.json").read_text())
    assert summary["accuracy"]["head_full/argmax"]["40"]["accuracy_mean"] > 0.5
    assert summary["accuracy"]["prompt/gen_exact"]["40"]["accuracy_mean"] > 0.4
    assert summary["accuracy"]["icl_zero/rank"]["0"]["seeds"] == 1  # no data: size 0
    for pair in (
        "prompt/rank vs head_full/argmax",
        "prompt/rank vs head_frozen/argmax",
        "prompt/rank vs prompt_null/rank",
        "prompt_lora/rank vs head_full/argmax",
        "icl_few/rank vs head_frozen/argmax",
    ):
        assert pair in summary["data_advantage"], pair
    assert "8" in summary["pattern_spread"]["prompt/rank"]
    assert "cost" not in summary and "seconds" not in json.dumps(summary)
    cost = pd.read_csv(work / "reports/cost.csv")
    per_method = cost.groupby("method")["trainable_parameters"].max()
    assert per_method["prompt_tuning"] < per_method["prompt"] / 10
    preds = pd.read_csv(work / "data/eval/prompt-instruct-40-0/predictions.csv")
    assert {"rank", "rank_norm", "rank_cal", "gen_exact", "gen_rouge", "gen_bertscore"} <= set(
        preds.columns
    )
    icl = json.loads((work / "data/eval/icl_few-instruct-8-0/metrics.json").read_text())
    assert icl["demonstrations_kept_mean"] < 2  # a 64-token budget holds one demonstration
    report = (work / "reports/report.md").read_text()
    headline = summary["headline"]
    assert headline["comparison"] == "prompt/rank vs head_full/argmax"
    assert len(headline["leave_one_run_out"]) == 1 * 2  # prompt runs x head_full runs
    assert {"low", "high", "resamples"} <= set(headline["bootstrap"])
    # the headline alone also gets the bootstrap over test rows and runs, and every comparison
    # the seed-mean reading beside the best-run envelope
    assert headline["bootstrap_rows"]["resamples"] >= 2000
    assert "seed_mean_advantage" in headline
    others = [v for k, v in summary["data_advantage"].items() if k != headline["comparison"]]
    assert others and all(v["bootstrap_rows"] is None for v in others)
    for section in (
        "## Data advantage", "## Labelled data per point", "## Spread across patterns", "## Cost"
    ):  # fmt: skip
        assert section in report


def test_second_repro_runs_nothing(repo):
    work, _, _ = repo
    assert stages_run(dvc("repro", cwd=work)) == []


def test_report_only_param_reruns_only_report(repo):
    work, params, _ = repo
    write_params(work, edited(params, "report.accuracy_levels", 500))
    try:
        # The params file changed, so the validation runs first; its mark is the same.
        assert stages_run(dvc("repro", cwd=work)) == ["validate", "report"]
    finally:
        write_params(work, params)
        dvc("repro", cwd=work)


def only(changed: set[str], allowed) -> bool:
    """Every changed stage but validate, plan, read and report satisfies `allowed`, and some
    changed."""
    runs = changed - {"validate", "plan", "read", "report"}
    return bool(runs) and all(allowed(s) for s in runs)


def test_each_edit_marks_only_the_stages_that_read_it(repo):
    work, params, _ = repo
    try:
        # A method's own setting (LoRA rank): only that method's stages.
        changed = changed_stages(work, edited(params, "methods.prompt_lora.rank", 8))
        assert only(changed, lambda s: "@prompt_lora-" in s), changed
        # A head's learning rate: only that head's stages.
        changed = changed_stages(work, edited(params, "methods.head_frozen.learning_rate", 1e-2))
        assert only(changed, lambda s: "@head_frozen-" in s), changed
        # The main pattern's template: its prompt and ICL runs, no head stage.
        edit = edited(params, "format.patterns.instruct.template", "News: {text}. Topic:")
        changed = changed_stages(work, edit)
        assert only(changed, lambda s: "instruct" in s and "head" not in s), changed
        # A new size: new stages only, no existing run (sample, format, features untouched).
        changed = changed_stages(work, edited(params, "grid.head.sizes", lambda v: v + [16]))
        assert only(changed, lambda s: s.endswith(("-16-0", "-16-1"))), changed
        assert not changed & {"sample", "format", "features"}
        # A new seed: its permutation (sample re-runs, the other orders stay) and its runs.
        changed = changed_stages(work, edited(params, "grid.prompt.seeds", lambda v: v + [7]))
        assert only(changed, lambda s: s == "sample" or s.endswith("-7")), changed
        # A new pattern: its runs only.
        edit = edited(params, "format.patterns.keyword2", params["format"]["patterns"]["keyword"])
        edit["grid"]["prompt"]["patterns"].append("keyword2")
        assert only(changed_stages(work, edit), lambda s: "-keyword2-" in s)
    finally:
        write_params(work, params)


def test_forced_reruns_reproduce_every_output_and_metric(repo):
    """Every kind of stage, forced, writes what it wrote before (only the logs' timings differ):
    nothing downstream re-runs but the report, and `dvc metrics diff` is empty."""
    work, _, _ = repo
    forced = [
        "download", "model", "sample", "format", "features",
        "run_head@head_frozen-8-0", "run_head@head_full-8-0",
        "run_prompt@prompt-instruct-8-0", "run_prompt@prompt_lora-keyword-8-0",
        "run_head@head_full-40-0", "run_prompt@prompt-keyword-40-0",
        "run_icl_zero@keyword", "run_icl_few@instruct-8-1", "read",
    ]  # fmt: skip
    for stage in forced:
        dvc("repro", "-f", "-s", stage, cwd=work)
    assert stages_run(dvc("repro", cwd=work)) == ["report"]  # the runs' timings changed
    assert dvc("metrics", "diff", cwd=work).strip() == ""
    assert run(["git", "status", "--porcelain", "metrics"], work).strip() == ""


def test_killed_training_leaves_no_temporary_folder_after_the_next_repro(repo):
    """A run killed mid-training (new inputs, so nothing in DVC's run-cache) leaves a hidden
    temporary folder that no stage counts as input; the next repro retrains and removes it."""
    work, params, _ = repo
    stage, name = "run_head@head_full-40-1", "head_full-40-1"
    write_params(work, edited(params, "methods.head_full.learning_rate.head", 2.5e-2))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dvc", "repro", "-s", stage],
            cwd=work, env=env(), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        runs = work / "data/runs"
        deadline = time.time() + 120
        while not list(runs.glob(f".{name}.tmp-*")) and time.time() < deadline:
            time.sleep(0.2)
        assert list(runs.glob(f".{name}.tmp-*")), "training never started"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        (leftover,) = runs.glob(f".{name}.tmp-*")
        # Invisible to DVC (.dvcignore): no stage counts it as an input.
        assert str(leftover.relative_to(work)) in dvc("check-ignore", str(leftover), cwd=work)
        assert stages_run(dvc("repro", "-s", stage, cwd=work)) == [stage]
        assert not list(runs.glob(".*.tmp-*")) and (runs / name / "train.json").is_file()
    finally:
        write_params(work, params)
        dvc("repro", cwd=work)  # back to the committed state (restored from the run-cache)


def test_a_bad_param_fails_in_one_line_naming_file_line_and_key(repo):
    work, params, _ = repo
    try:
        write_params(work, edited(params, "grid.prompt.methods", ["prompt", "bogus"]))
        out = dvc("repro", cwd=work, ok=False)
        assert re.search(r"error: params.yaml:\d+: 'grid.prompt.methods' has unknown value", out)
        assert "Traceback" not in out
    finally:
        write_params(work, params)


def test_a_typo_anywhere_in_params_fails_before_any_stage_works(repo):
    """In a workspace that has run, an edit no stage lists (a misspelt key, a new top-level
    section, a pattern's stray key, a seed that is not an integer) still fails, in one line with
    file, line and "did you mean", because the validate stage depends on the whole file; and
    `dvc exp run -S +key` likewise."""
    work, params, _ = repo
    label_words = params["format"]["patterns"]["instruct"]["label_words"]
    cases = [
        ("model.nmae", "gpt2", r"'model.nmae'; did you mean 'model.name'\?"),
        ("runtime.gpuu", 0, r"'runtime.gpuu'; did you mean 'runtime.gpu'\?"),
        ("trian", {"epochs": 3}, r"unknown key 'trian'; did you mean 'train'\?"),
        ("format.patterns.instruct.label_word", label_words,
         r"did you mean 'format.patterns.instruct.label_words'\?"),
        ("grid.head.seeds", [0.0, 1], r"'grid.head.seeds' must hold integers >= 0, got 0.0"),
    ]  # fmt: skip
    try:
        for key, value, message in cases:
            write_params(work, edited(params, key, value) if "." in key else {**params, key: value})
            out = dvc("repro", cwd=work, ok=False)
            assert re.search(rf"error: params.yaml:\d+: .*{message}", out), (key, out)
            assert stages_run(out) == ["validate"] and "Traceback" not in out, (key, out)
        write_params(work, params)
        out = dvc("exp", "run", "-S", "+trian.epochs=3", cwd=work, ok=False)
        assert re.search(r"unknown key 'trian'; did you mean 'train'\?", out), out
    finally:
        run(["git", "checkout", "params.yaml"], work)
        write_params(work, params)


def test_readme_exp_run_examples_work_as_written(repo):
    work, _, _ = repo
    # DVC writes 1e-05 into params.yaml: a YAML 1.2 float, read as one.
    out = dvc(
        "exp", "run", "-S", "methods.prompt.learning_rate=1e-5",
        "run_prompt@prompt-instruct-8-0", cwd=work,
    )  # fmt: skip
    assert "Running stage 'run_prompt@prompt-instruct-8-0'" in out
    dvc("exp", "run", "--queue", "-S", "methods.prompt.learning_rate=1e-5,5e-5", cwd=work)
    assert dvc("queue", "status", cwd=work).count("Queued") == 2
    dvc("queue", "remove", "--queued", cwd=work)
    run(["git", "checkout", "params.yaml", "dvc.lock"], work)


def test_a_threshold_change_rereads_without_retraining(repo):
    """A verbaliser's threshold is read off the saved generations: only the read stage (and the
    report, if a reading changed) re-runs."""
    work, params, _ = repo
    write_params(work, edited(params, "eval.rouge_threshold", 0.9))
    try:
        ran = stages_run(dvc("repro", cwd=work))
        assert ran[:2] == ["validate", "read"] and set(ran) <= {"validate", "read", "report"}, ran
    finally:
        write_params(work, params)
        dvc("repro", cwd=work)


def test_a_new_methods_module_changes_no_stage_and_its_params_only_its_runs(repo):
    """CONTRIBUTING's worked example, added as a maintainer would: the module alone leaves every
    stage unchanged in `dvc status`; with its params and grid entry, only its own new run
    stages and the stages that read the whole grid (plan, read, report) change."""
    from tests.test_contributing import worked_example

    work, params, _ = repo
    code, snippet = worked_example()
    module = work / "src/promptworth/methods/kinds/prompt_norms.py"
    module.write_text(code)
    try:
        assert changed_stages(work, params) == set()
        with_it = edited(params, "grid.prompt.methods", lambda m: [*m, "prompt_norms"])
        with_it["methods"]["prompt_norms"] = snippet["methods"]["prompt_norms"]
        changed = changed_stages(work, with_it)
        assert only(changed, lambda s: s.startswith("run_prompt@prompt_norms-")), changed
        new_runs = changed - {"validate", "plan", "read", "report"}
        assert len(new_runs) == 2 * 2  # 2 patterns x 2 sizes x 1 seed
    finally:
        module.unlink()
        write_params(work, params)


def test_features_are_computed_only_for_a_method_that_reads_them(repo):
    """data/features/<method>/ per head method: head_frozen's features, head_full's note that it
    reads none; without head_frozen in the grid the features stage computes nothing and no
    head_full run changes."""
    work, params, _ = repo
    assert sorted(p.name for p in (work / "data/features/head_frozen").iterdir()) == [
        "dev.safetensors", "test.safetensors",
    ]  # fmt: skip
    assert [p.name for p in (work / "data/features/head_full").iterdir()] == ["none.json"]
    without = edited(params, "grid.head.methods", ["head_full"])
    try:
        write_params(work, without)
        ran = stages_run(dvc("repro", "features", cwd=work))
        assert ran == ["validate", "features"]
        assert not (work / "data/features/head_frozen").exists()
        changed = changed_stages(work, without)
        assert not {s for s in changed if s.startswith("run_head@head_full")}, changed
    finally:
        write_params(work, params)
        dvc("repro", cwd=work)


def test_a_kept_checkpoint_is_an_out_and_dvc_checkout_restores_it(repo):
    """train.keep_checkpoint: the weights are saved beside the scores (so they are part of the
    run's DVC out), with checksums; cache.type reflink,copy keeps the cache's copy good when the
    workspace's is damaged, and `dvc checkout --force` (the command verify_checkpoint prints)
    brings it back."""
    from promptworth.core.checkpoints import file_sha256, verify_checkpoint
    from promptworth.core.errors import CheckpointError

    work, params, _ = repo
    stage, cell = "run_prompt@prompt-instruct-8-0", "prompt-instruct-8-0"
    run_dir = work / "data/runs" / cell
    write_params(work, edited(params, "train.keep_checkpoint", True))
    try:
        assert stage in stages_run(dvc("repro", "-s", stage, cwd=work))
        weights = run_dir / "lm" / "model.safetensors"
        assert weights.is_file() and (run_dir / "checksums.json").is_file()
        good = file_sha256(weights)
        os.truncate(weights, 1000)
        with pytest.raises(CheckpointError) as err:
            verify_checkpoint(run_dir, stage)
        line = str(err.value)
        assert f"data/runs/{cell}/lm/model.safetensors: damaged (1,000 bytes" in line
        assert f"dvc checkout --force {run_dir}" in line
        assert stage in dvc("status", stage, cwd=work)  # DVC sees the damaged out
        dvc("checkout", "--force", f"data/runs/{cell}", cwd=work)
        assert file_sha256(weights) == good
        verify_checkpoint(run_dir, stage)  # the restored file is the one trained
        assert f"data/runs/{cell}" not in dvc("status", stage, cwd=work)
    finally:
        write_params(work, params)
        dvc("repro", cwd=work)  # back to the committed state (restored from the run-cache)
    assert not (run_dir / "lm").exists()
