"""Protocol v2's pilot: the choice over two sizes, and the second stage's candidates."""

import json

import pytest

from promptworth.analysis.pilot import candidate_frame, main, pilot_records, second_stage, v2_choice
from promptworth.config.params import parse_params
from promptworth.config.schema import LearningRate
from promptworth.core.errors import ParamsError
from tests.test_presets import DEFAULTS


def record(method, size, candidates):
    tried = [
        {"learning_rate": lm, "head_learning_rate": head,
         "kept_dev": {"dev_accuracy": acc, "dev_loss": loss}}
        for lm, head, acc, loss in candidates
    ]  # fmt: skip
    return {"run": f"{method}-{size}-0", "method": method, "size": size, "seed": 0,
            "learning_rate": tried[0]["learning_rate"],
            "head_learning_rate": tried[0]["head_learning_rate"],
            "learning_rate_candidates": tried}  # fmt: skip


RECORDS = [
    # At 100 points 1e-2 wins the head rate; at 1,000 points 1e-3 wins by more.
    record("head_full", 100, [(2e-5, 1e-2, 0.80, 0.6), (2e-5, 1e-3, 0.78, 0.6),
                              (1e-5, 1e-2, 0.70, 0.7), (5e-5, 1e-1, 0.50, 2.0)]),
    record("head_full", 1000, [(2e-5, 1e-2, 0.85, 0.5), (2e-5, 1e-3, 0.90, 0.4),
                               (1e-5, 1e-2, 0.86, 0.5)]),
    record("prompt", 100, [(1e-5, None, 0.81, 0.5), (2e-5, None, 0.81, 0.4)]),
    record("prompt", 1000, [(1e-5, None, 0.90, 0.5), (2e-5, None, 0.90, 0.4)]),
]  # fmt: skip


def test_the_choice_averages_dev_accuracy_over_both_sizes():
    chosen = v2_choice(candidate_frame(RECORDS))
    # 2e-5/1e-3: (0.78 + 0.90) / 2 = 0.84 beats 2e-5/1e-2's 0.825; 5e-5/1e-1 ran at 100 only.
    assert chosen["head_full"] == {"lm": 2e-5, "head": 1e-3, "dev_accuracy": 0.84,
                                   "sizes": [100, 1000]}  # fmt: skip
    assert chosen["prompt"]["lm"] == 2e-5 and chosen["prompt"]["head"] is None  # tie: lower loss


def test_the_second_stage_takes_the_first_sizes_best_candidates_as_params():
    frame = candidate_frame(RECORDS)
    value = second_stage(frame, "head_full", 3)
    assert (
        value == "[{backbone: 2e-05, head: 0.01}, {backbone: 2e-05, head: 0.001}, "
        "{backbone: 1e-05, head: 0.01}]"
    )
    assert second_stage(frame, "prompt", 1) == "[2e-05]"


def test_a_list_of_rate_pairs_is_one_candidate_each_and_a_mixed_list_is_refused():
    raw = json.loads(json.dumps(DEFAULTS))
    raw["methods"]["head_full"]["learning_rate"] = [
        {"backbone": 2e-5, "head": 1e-2}, {"backbone": 1e-5, "head": [1e-3, 1e-2]}
    ]  # fmt: skip
    rates = parse_params(raw).methods["head_full"].learning_rates
    assert rates == (LearningRate(2e-5, 1e-2), LearningRate(1e-5, 1e-3), LearningRate(1e-5, 1e-2))
    raw["methods"]["head_full"]["learning_rate"] = [{"backbone": 2e-5, "head": 1e-2}, 1e-5]
    with pytest.raises(ParamsError, match="'methods.head_full.learning_rate' mixes numbers"):
        parse_params(raw)
    raw["methods"]["head_full"]["learning_rate"] = [{"backbone": 2e-5, "heads": 1e-2}]
    with pytest.raises(ParamsError, match="takes only 'backbone' and 'head'"):
        parse_params(raw)


def write_runs(runs_dir):
    for r in RECORDS:
        (runs_dir / r["run"]).mkdir()
        (runs_dir / r["run"] / "train.json").write_text(json.dumps(r))


def test_the_command_prints_the_choice_from_the_runs_folder(tmp_path, capsys):
    write_runs(tmp_path)
    assert len(pilot_records(tmp_path)) == 4
    main([str(tmp_path), "--v2", "--top", "2"])
    out = capsys.readouterr().out
    assert "- head_full: 2e-05, head 0.001 (dev accuracy 0.840 over 100, 1000 points)" in out
    assert "methods.prompt.learning_rate=[2e-05, 1e-05]" in out


def test_the_table_tells_a_runs_best_from_the_protocols_choice(tmp_path, capsys):
    # At 100 points head_full's run kept 2e-5/1e-2 (its best there); the choice over both sizes is
    # 2e-5/1e-3, so "chosen" must mark 1e-3 at both sizes and never the 100-point run's best.
    write_runs(tmp_path)
    main([str(tmp_path), "--v2"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| head_full")]
    assert "| head_full-100-0 | 2e-05 | 0.01 | 0.800 | 0.600 | yes |  |" in rows
    assert "| head_full-100-0 | 2e-05 | 0.001 | 0.780 | 0.600 |  | yes |" in rows
    assert "| head_full-1000-0 | 2e-05 | 0.001 | 0.900 | 0.400 |  | yes |" in rows
    assert sum(row.endswith(" yes |") for row in rows) == 2
