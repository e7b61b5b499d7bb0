"""Protocol v2's convergence check: dev accuracy with twice the steps at the largest size, one
seed, against the spread of the seeds there; read from the runs' train.json, never test rows."""

import json

import pytest

from promptworth.analysis.convergence import (
    convergence_check,
    dev_readings,
    same_training,
    verdict_lines,
)
from tests.tools import load_tool

PAIR = ["prompt/rank", "head_full/argmax"]
RATES = {"prompt": (5e-5, None), "head_full": (5e-5, 1e-2)}


def record(method, size, seed, dev, epochs=3.0, losses=(1.0, 0.5), **changes):
    """A run's train.json as pipeline/run.py writes it, with a dev reading at its last step."""
    rate, head_rate = RATES[method]
    name = f"{method}-qtype-{size}-{seed}" if method == "prompt" else f"{method}-{size}-{seed}"
    steps = len(losses)
    out = {
        "run": name, "method": method, "size": size, "seed": seed, "epochs": epochs,
        "steps": steps, "chosen_step": steps, "learning_rate": rate,
        "head_learning_rate": head_rate, "kept_dev": {"dev_accuracy": dev, "dev_loss": 1.0},
        "history": [{"step": i + 1, "train_loss": loss} for i, loss in enumerate(losses)],
    }  # fmt: skip
    return {**out, **changes}


STANDARD = [
    *(record("prompt", 2000, s, a) for s, a in enumerate((0.880, 0.884, 0.878))),
    *(record("head_full", 2000, s, a) for s, a in enumerate((0.860, 0.870, 0.865))),
    record("head_full", 1000, 0, 0.80),
]


def doubled(prompt_dev, head_dev, **changes):
    changes = {"epochs": 6.0, **changes}
    return [
        record("prompt", 2000, 0, prompt_dev, **changes),
        record("head_full", 2000, 0, head_dev, **changes),
    ]


def check(longer, standard=STANDARD):
    return convergence_check(dev_readings(standard), dev_readings(longer), PAIR)


def test_a_gain_within_the_seed_spread_keeps_the_rule():
    result = check(doubled(0.882, 0.864))
    assert result["converged"] and result["rows"] == "dev"
    head = result["series"]["head_full/argmax"]
    assert head["gain"] == pytest.approx(0.004) and head["seed_std"] == pytest.approx(0.005)
    assert head["epochs"] == [3.0, 6.0] and head["seeds"] == [0, 1, 2]
    assert verdict_lines(result)[-1].startswith("Converged")


def test_a_head_that_gains_more_than_its_seed_std_doubles_the_steps():
    result = check(doubled(0.882, 0.880))
    assert not result["converged"] and result["series"]["head_full/argmax"]["more_than_seed_std"]
    assert "doubles the steps" in verdict_lines(result)[-1]


def test_a_check_without_its_runs_names_what_is_missing():
    with pytest.raises(ValueError, match="exactly one run of 'prompt/rank'"):
        check([record("head_full", 2000, 0, 0.9, epochs=6.0)])
    lone = [record("prompt", 500, 0, 0.9, epochs=6.0), record("head_full", 2000, 0, 0.9, 6.0)]
    with pytest.raises(ValueError, match="'prompt/rank' at 500 points with seed 0"):
        check(lone)


def test_only_the_steps_may_differ_and_they_must_double():
    with pytest.raises(ValueError, match="the doubled run has 12 epochs"):
        check(doubled(0.88, 0.86, epochs=12.0))
    with pytest.raises(ValueError, match="differ in their learning rates"):
        check(doubled(0.88, 0.86, learning_rate=1e-5))


def test_a_grid_run_without_a_dev_reading_or_kept_before_its_last_step_is_refused():
    with pytest.raises(ValueError, match="prompt-qtype-2000-0: its train.json holds no dev"):
        dev_readings([record("prompt", 2000, 0, 0.9, kept_dev={})])
    with pytest.raises(ValueError, match="kept step 1 of 2: the check reads the last step"):
        dev_readings([record("prompt", 2000, 0, 0.9, chosen_step=1)])


def test_same_training_compares_every_steps_loss():
    assert same_training(record("prompt", 10, 0, 0.5), record("prompt", 10, 0, 0.7))
    run = record("prompt", 10, 0, 0.5)
    assert not same_training(run, record("prompt", 10, 0, 0.5, losses=(1.0, 0.6)))
    assert not same_training(run, record("prompt", 10, 0, 0.5, losses=(1.0,)))


def write_runs(folder, records):
    paths = []
    for r in records:
        (folder / r["run"]).mkdir(parents=True, exist_ok=True)
        (folder / r["run"] / "train.json").write_text(json.dumps(r))
        paths.append(str(folder / r["run"]))
    return paths


def test_the_tool_exits_1_when_the_steps_must_double(tmp_path, capsys):
    tool = load_tool("convergence")
    standard = write_runs(tmp_path / "standard", STANDARD[:6])
    longer = write_runs(tmp_path / "doubled", doubled(0.95, 0.86))
    out = tmp_path / "check.json"
    code = tool.main(["--standard", *standard, "--doubled", *longer, "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 1
    assert (
        "| prompt/rank | 2,000 | 0 | 3 / 6 | 0.880 | 0.950 | +0.070 | 0.003 (0, 1, 2) |" in printed
    )
    saved = json.loads(out.read_text())
    assert saved["rows"] == "dev"
    assert saved["runs"]["doubled"] == ["head_full-2000-0", "prompt-qtype-2000-0"]


def test_the_tool_stops_when_a_reading_did_not_train_as_its_grid_run(tmp_path, capsys):
    tool = load_tool("convergence")
    standard = write_runs(tmp_path / "standard", STANDARD[:6])
    longer = write_runs(tmp_path / "doubled", doubled(0.88, 0.86))
    grid = tmp_path / "grid"
    write_runs(grid, STANDARD[:6])
    argv = ["--standard", *standard, "--doubled", *longer, "--grid-runs", str(grid)]
    assert tool.main(argv) == 0
    assert "each standard reading trained as its grid run" in capsys.readouterr().out
    write_runs(grid, [record("head_full", 2000, 2, 0.865, losses=(1.0, 0.4))])
    assert tool.main(argv) == 2
    assert "head_full-2000-2 did not train as the grid's run" in capsys.readouterr().err
