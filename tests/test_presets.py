"""Every preset resolves to valid params on a machine without ../shared, and the docs say what
the quick preset runs. A fake `dvc` on PATH records the preset's arguments instead of running."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from promptworth.analysis.plan import grid_summary
from promptworth.config.params import parse_params
from promptworth.config.schema import LearningRate
from promptworth.tooling.stand_in_dvc import apply_settings, run_with_stand_in_dvc, settings_of
from tests import tiny

ROOT = Path(__file__).parents[1]
PRESETS = sorted(p for p in (ROOT / "presets").glob("*.sh") if p.name != "common.sh")
TASKS = sorted((ROOT / "presets/tasks").glob("*.sh"))
DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())


def run_preset(preset: Path, tmp_path: Path, **env_vars) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", **env_vars)
    for key in ("AG_NEWS_TRAIN", "AG_NEWS_TEST"):
        if key not in env_vars:
            env.pop(key, None)
    return run_with_stand_in_dvc(preset, tmp_path, env)[0]


def resolved_params(args: list[str]) -> dict:
    """params.yaml with the preset's -S key=value applied, as `dvc exp run -S` would."""
    assert args[:2] == ["exp", "run"], args
    targets = [a for i, a in enumerate(args[2:], start=2) if a != "-S" and args[i - 1] != "-S"]
    assert all("@" not in t and "=" not in t for t in targets), targets  # stage names only
    return apply_settings(DEFAULTS, settings_of(args))


@pytest.fixture
def local_data(tmp_path):
    train, test = tiny.write_dataset(tmp_path / "ag_news")
    return {"AG_NEWS_TRAIN": str(train), "AG_NEWS_TEST": str(test)}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_preset_resolves_to_valid_params_from_local_files(preset, tmp_path, local_data):
    done = run_preset(preset, tmp_path, **local_data)
    assert done.returncode == 0, done.stderr
    params = resolved_params((tmp_path / "args.txt").read_text().splitlines())
    assert params["data"]["source"] == local_data["AG_NEWS_TRAIN"]
    assert "shared" not in yaml.safe_dump(params)  # nothing points into ../shared
    # Scoring precision follows the machine (bf16 only where native); training is fp32 by
    # protocol (bf16 training cost the prompt 6.3 dev points).
    assert params["eval"]["cpu_bf16"] == "auto" and params["train"]["cpu_bf16"] is False
    parse_params(params)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_without_local_files_or_the_hub_a_preset_stops_with_one_line(preset, tmp_path):
    done = run_preset(preset, tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith("error: 'ag_news' cannot be loaded")
    assert "AG_NEWS_TRAIN" in done.stderr
    assert not (tmp_path / "args.txt").exists()  # dvc never started


def test_a_missing_local_file_is_named(tmp_path, local_data):
    local_data["AG_NEWS_TEST"] = str(tmp_path / "nope.csv")
    done = run_preset(ROOT / "presets/quick_cpu.sh", tmp_path, **local_data)
    assert done.returncode == 1 and "not found: " in done.stderr and "nope.csv" in done.stderr


def test_the_docs_say_what_the_quick_preset_runs(tmp_path, local_data):
    run_preset(ROOT / "presets/quick_cpu.sh", tmp_path, **local_data)
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert grid_summary(params.grid) in (ROOT / "docs/performance.md").read_text()
    row = next(line for line in (ROOT / "README.md").read_text().splitlines()
               if "presets/quick_cpu.sh` |" in line)  # fmt: skip
    assert "head_full and the prompt at 10 and 100 points (seed 0)" in row


@pytest.mark.parametrize("preset", TASKS, ids=lambda p: p.name)
def test_every_task_preset_describes_a_valid_task(preset, tmp_path):
    done = run_preset(preset, tmp_path, PROMPTWORTH_SKIP_HUB_CHECK="1")
    assert done.returncode == 0, done.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert params.data.label_names is None  # the hub's ClassLabel names the classes
    assert set(params.format.patterns) == {params.report.main_pattern}
    slots = params.format.patterns[params.report.main_pattern].slots
    assert slots == set(params.data.inputs)  # every input column has its slot


@pytest.mark.parametrize("preset", TASKS[:1], ids=lambda p: p.name)
def test_a_task_preset_without_the_hub_stops_with_one_line_naming_its_dataset(preset, tmp_path):
    done = run_preset(preset, tmp_path, HF_HOME=str(tmp_path / "hf"))  # offline, empty cache
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "cannot be loaded" in done.stderr and "data.source" in done.stderr
    assert not (tmp_path / "args.txt").exists()


@pytest.mark.parametrize(
    "preset, sizes_read", [("tasks/trec.sh", False), ("offline/bbc_news.sh", True)]
)
def test_a_task_preset_runs_again_on_the_params_yaml_it_wrote(preset, sizes_read, tmp_path):
    # The grid in parts: the second run (more SIZES) starts from the params.yaml that `dvc exp
    # run` wrote the first time, which holds the task's pattern and none of AG News' three.
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "presets", repo / "presets")
    written = [DEFAULTS]
    for sizes in ("[10,20]", "[10,20,50]"):
        (repo / "params.yaml").write_text(yaml.safe_dump(written[-1]))
        done = run_preset(
            repo / "presets" / preset, tmp_path, PROMPTWORTH_SKIP_HUB_CHECK="1", SIZES=sizes
        )
        assert done.returncode == 0, done.stderr
        args = (tmp_path / "args.txt").read_text().splitlines()
        written.append(apply_settings(written[-1], settings_of(args)))
    first, second = (parse_params(p) for p in written[1:])
    assert set(second.format.patterns) == {second.report.main_pattern}
    assert second.format.patterns == first.format.patterns
    assert (second.grid.prompt.sizes == (10, 20, 50)) is sizes_read  # the run did change


def flat(tree: dict, prefix: str = "") -> dict:
    """{"train.early_stopping.patience": 4, ...}: every leaf under its dotted key."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize(
    "preset, may_differ",
    [
        ("quick_cpu.sh", ("sample.test_size", "grid.", "methods.prompt.generate")),
        ("selection_cpu.sh", ("train.early_stopping.", "grid.", "methods.prompt.generate")),
    ],
)
def test_the_quick_and_selection_presets_keep_the_published_protocol(
    preset, may_differ, tmp_path, local_data
):
    # Their runs are slices of the published run (same split, steps, learning rates, precision),
    # so their numbers can be set beside README "Results".
    settings = {}
    for name in ("smollm2_cpu.sh", preset):
        run_preset(ROOT / "presets" / name, tmp_path, **local_data)
        settings[name] = flat(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    published, other = settings["smollm2_cpu.sh"], settings[preset]
    ran = {m for family in ("head", "prompt") for m in other[f"grid.{family}.methods"]}
    changed = {
        k
        for k in published.keys() | other.keys()
        if published.get(k) != other.get(k)
        and not (k.startswith("methods.") and k.split(".")[1] not in ran)  # a method not run
    }
    assert changed and not [k for k in changed if not k.startswith(may_differ)]
    if preset == "selection_cpu.sh":
        assert other["train.early_stopping.patience"] == 4  # the published run reads no dev row
        assert published["train.early_stopping.patience"] is None


OFFLINE = sorted((ROOT / "presets/offline").glob("*.sh"))


@pytest.mark.parametrize("preset", OFFLINE, ids=lambda p: p.name)
def test_every_offline_task_preset_resolves_to_valid_params(preset, tmp_path, local_data):
    rates = {"FROZEN_RATE": "3.0e-2", "HEAD_RATE": "1.0e-1", "BACKBONE_RATE": "5.0e-5"}
    done = run_preset(preset, tmp_path, **local_data, **rates, PROMPT_RATE="1.0e-5")
    assert done.returncode == 0, done.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert params.model_name.startswith("pkg://")  # weights from an installed package
    assert params.train.cpu_bf16 is False and params.eval.cpu_bf16 == "auto"
    assert params.grid.head.seeds == (0, 1, 2) == params.grid.prompt.seeds
    if preset.name != "ag_news_gemma3.sh":
        assert params.data.source.startswith("pkg://") and params.data.test_carve is not None
    else:  # each method gets its own pilot's choice: head_frozen's rate is not head_full's head
        rate = {name: m.learning_rates for name, m in params.methods.items()}
        assert rate["head_frozen"] == (LearningRate(3.0e-2),)
        assert rate["head_full"] == (LearningRate(5.0e-5, 1.0e-1),)
        assert rate["prompt"] == (LearningRate(1.0e-5),)


def test_the_gemma_preset_refuses_to_run_without_the_pilots_rates(tmp_path, local_data):
    done = run_preset(ROOT / "presets/offline/ag_news_gemma3.sh", tmp_path, **local_data)
    assert done.returncode == 1 and "FROZEN_RATE is not set: run the dev-row pilot" in done.stderr


@pytest.mark.parametrize(
    "preset, pilot_rows",
    [("offline/bbc_news.sh", None), ("offline/trec10.sh", None), ("quick_cpu.sh", 500)],
)
def test_only_the_task_the_pilot_read_counts_its_dev_rows(preset, pilot_rows, tmp_path):
    """BBC News and TREC-10 reuse AG News' rates: no pilot read their dev rows, so their
    labelled budget adds none (the AG News pilot's 500 rows are AG News rows)."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "presets", repo / "presets")
    (repo / "params.yaml").write_text(yaml.safe_dump(DEFAULTS))
    data = tiny.write_dataset(tmp_path / "ag_news")
    done = run_preset(
        repo / "presets" / preset, tmp_path, PROMPTWORTH_SKIP_HUB_CHECK="1",
        AG_NEWS_TRAIN=str(data[0]), AG_NEWS_TEST=str(data[1]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    args = (tmp_path / "args.txt").read_text().splitlines()
    settings = dict(s.split("=", 1) for s in settings_of(args) if "=" in s)
    expected = None if pilot_rows is None else str(pilot_rows)
    assert settings.get("report.pilot_dev_rows") == expected


V2_RATES = {"FROZEN_RATE": "3.0e-2", "HEAD_RATE": "1.0e-3", "BACKBONE_RATE": "1.0e-5",
            "PROMPT_RATE": "5.0e-5"}  # fmt: skip


@pytest.mark.parametrize(
    "preset, dev_rows",
    [("offline/trec10.sh", 500), ("offline/bbc_news.sh", 300), ("smollm2_cpu.sh", 500)],
)
def test_protocol_v2_trains_uncapped_on_the_tasks_own_pilot_rates(
    preset, dev_rows, tmp_path, local_data
):
    done = run_preset(ROOT / "presets" / preset, tmp_path, **local_data, **V2_RATES,
                      PROTOCOL="v2", SIZE_LIMIT="4000")  # fmt: skip
    assert done.returncode == 0, done.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert params.train.max_steps is None and params.train.epochs == 3
    assert params.train.min_steps == 30  # below 500 points: the v1 steps, so v1 cells reproduce
    assert params.report.size_limit == 4000 and params.report.pilot_dev_rows == dev_rows
    # Every run reads the dev rows once, at its last step (the convergence check's reading).
    stop = params.train.early_stopping
    assert stop.patience == 1000000 and stop.eval_interval == 1000000
    rate = {name: m.learning_rates for name, m in params.methods.items()}
    assert rate["head_frozen"] == (LearningRate(3.0e-2),)
    assert rate["head_full"] == (LearningRate(1.0e-5, 1.0e-3),)
    assert rate["prompt"] == (LearningRate(5.0e-5),)


def test_protocol_v2_without_a_pilots_rates_stops_naming_the_rate(tmp_path, local_data):
    done = run_preset(ROOT / "presets/offline/trec10.sh", tmp_path, **local_data, PROTOCOL="v2")
    assert done.returncode == 1
    assert "FROZEN_RATE is not set: PROTOCOL=v2 takes each task's own pilot's rates" in done.stderr
    bad = run_preset(ROOT / "presets/offline/trec10.sh", tmp_path, **local_data, PROTOCOL="v3")
    assert bad.returncode == 1 and "PROTOCOL must be v1 or v2, got 'v3'" in bad.stderr


def test_the_v2_pilot_tries_every_candidate_at_100_and_1000_points_on_seed_0(tmp_path, local_data):
    done = run_preset(ROOT / "presets/offline/trec10.sh", tmp_path, **local_data,
                      PILOT="v2", PROTOCOL="v2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert params.grid.head.sizes == (100, 1000) == params.grid.prompt.sizes
    assert params.grid.head.seeds == (0,) == params.grid.prompt.seeds
    rate = {name: m.learning_rates for name, m in params.methods.items()}
    assert [r.lm for r in rate["prompt"]] == [1e-5, 2e-5, 5e-5]
    # Equal tuning: head_full's backbone takes the prompt's candidates, with two head rates.
    assert sorted({r.lm for r in rate["head_full"]}) == [1e-5, 2e-5, 5e-5]
    assert sorted({r.head for r in rate["head_full"]}) == [1e-3, 1e-2, 1e-1]
    assert len(rate["head_full"]) == 9 and params.train.max_steps is None
    assert params.train.early_stopping.eval_interval == 1000000  # dev rows at the last step only


def test_the_v2_pilots_second_stage_takes_the_first_stages_best(tmp_path, local_data):
    best = "[{backbone: 2.0e-5, head: 1.0e-2}, {backbone: 1.0e-5, head: 1.0e-1}]"
    done = run_preset(ROOT / "presets/offline/trec10.sh", tmp_path, **local_data, PILOT="v2",
                      PROTOCOL="v2", PILOT_SIZES="[1000]", PILOT_V2_HEAD_FULL=best)  # fmt: skip
    assert done.returncode == 0, done.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert params.grid.head.sizes == (1000,)
    rates = params.methods["head_full"].learning_rates
    assert rates == (LearningRate(2e-5, 1e-2), LearningRate(1e-5, 1e-1))


def test_the_gemma_preset_takes_its_own_v2_pilot_rates(tmp_path, local_data):
    done = run_preset(ROOT / "presets/offline/ag_news_gemma3.sh", tmp_path, **local_data,
                      **V2_RATES, PROTOCOL="v2", SIZE_LIMIT="1000")  # fmt: skip
    assert done.returncode == 0, done.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert params.model_name.startswith("pkg://gemma3")
    assert params.train.max_steps is None and params.report.size_limit == 1000
    assert params.methods["head_full"].learning_rates == (LearningRate(1.0e-5, 1.0e-3),)
    pilot = run_preset(ROOT / "presets/offline/ag_news_gemma3.sh", tmp_path, **local_data,
                       PILOT="v2", PROTOCOL="v2")  # fmt: skip
    assert pilot.returncode == 0, pilot.stderr
    params = parse_params(resolved_params((tmp_path / "args.txt").read_text().splitlines()))
    assert len(params.methods["head_full"].learning_rates) == 9


def test_the_stand_in_dvc_refuses_what_hydra_refuses():
    """A list never replaces a mapping by `key=value` (DVC: "Cannot merge DictConfig with
    ListConfig"), which the v2 pilot's second stage met on a real `dvc exp run`; deleting the
    key and adding it works, and `+key` needs the key absent."""
    params = {"m": {"rate": {"backbone": 1, "head": 2}}, "sizes": [1, 2]}
    with pytest.raises(ValueError, match="Cannot merge DictConfig with ListConfig"):
        apply_settings(params, ["m.rate=[{backbone: 1, head: 3}]"])
    swapped = apply_settings(params, ["~m.rate", "+m.rate=[{backbone: 1, head: 3}]"])
    assert swapped["m"]["rate"] == [{"backbone": 1, "head": 3}]
    with pytest.raises(ValueError, match="An item is already at 'm.rate'"):
        apply_settings(params, ["+m.rate=1"])
    assert apply_settings(params, ["m.rate={head: 5}"])["m"]["rate"] == {"backbone": 1, "head": 5}
    assert apply_settings(params, ["sizes=[3]"])["sizes"] == [3]  # a list replaces a list
