"""The early-stopped reading paired run by run with the fixed-step one (analysis/selection.py,
which tools/selection_effect.py reports)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from promptworth.analysis import selection as selection_effect

COLUMNS = ["series", "method", "pattern", "size", "seed", "accuracy", "n", "dev_rows"]


def curve(rows, dev_rows):
    return pd.DataFrame(
        [(s, s.split("/")[0], p, n, seed, acc, 1000, dev_rows) for s, p, n, seed, acc in rows],
        columns=COLUMNS,
    )


def write_run(runs: Path, name: str, steps: int, chosen: int, dev: dict[int, float]) -> None:
    history = [{"step": k, "train_loss": 1.0} for k in range(1, steps + 1)]
    for step, acc in dev.items():
        history[step - 1]["dev_accuracy"] = acc
    (runs / name).mkdir(parents=True)
    record = {"run": name, "steps": steps, "chosen_step": chosen, "history": history}
    (runs / name / "train.json").write_text(json.dumps(record))


def test_runs_are_paired_with_their_fixed_step_twin_and_the_last_step_checked(tmp_path):
    fixed = curve(
        [("prompt/rank", "instruct", 100, 0, 0.83), ("head_full/argmax", None, 100, 0, 0.80)], 0
    )
    selected = curve(
        [("prompt/rank", "instruct", 100, 0, 0.70), ("head_full/argmax", None, 100, 0, 0.79)], 500
    )
    write_run(tmp_path, "prompt-instruct-100-0", 39, 20, {10: 0.8, 20: 0.86, 30: 0.86, 39: 0.85})
    write_run(tmp_path, "head_full-100-0", 39, 39, {20: 0.7, 39: 0.8})
    pairs = selection_effect.pair_runs(fixed, selected, tmp_path)
    prompt = pairs[pairs["method"] == "prompt"].iloc[0]
    assert prompt["difference"] == pytest.approx(-0.13) and not prompt["kept_last"]
    assert prompt["dev_trace"] == "10:0.800 *20:0.860 30:0.860 39:0.850"
    # head_full kept its last step, i.e. the published weights, yet its accuracy differs: named.
    text = selection_effect.consistency(pairs, tolerance=0.0005)
    assert text.startswith("1 run(s) kept their last step; 0 of them reproduce")
    assert "head_full/argmax 100 seed 0" in text
    table = "\n".join(selection_effect.summary_table(pairs))
    assert "| prompt/rank | 100 | 0.830 (1 seed) | 0.700 (1 seed) |" in table
    assert "| 100 / 600 |" in table  # the selected point also read 500 dev rows


def test_a_selected_run_without_a_fixed_twin_is_refused(tmp_path):
    fixed = curve([("prompt/rank", "instruct", 10, 0, 0.7)], 0)
    selected = curve([("prompt/rank", "instruct", 10, 1, 0.7)], 500)
    with pytest.raises(SystemExit, match="no fixed-step twin"):
        selection_effect.pair_runs(fixed, selected, tmp_path)
