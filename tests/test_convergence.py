"""Protocol v2's convergence check: twice the steps at the largest size, one seed, against the
spread of the seeds there."""

import pandas as pd
import pytest

from promptworth.analysis.convergence import convergence_check, verdict_lines
from tests.tools import load_tool

PAIR = ["prompt/rank", "head_full/argmax"]


def curves(rows):
    return pd.DataFrame(rows, columns=["series", "size", "seed", "accuracy"])


STANDARD = curves(
    [("prompt/rank", 2000, s, a) for s, a in enumerate((0.880, 0.884, 0.878))]
    + [("head_full/argmax", 2000, s, a) for s, a in enumerate((0.860, 0.870, 0.865))]
    + [("head_full/argmax", 1000, 0, 0.80)]
)


def test_a_gain_within_the_seed_spread_keeps_the_rule():
    doubled = curves([("prompt/rank", 2000, 0, 0.882), ("head_full/argmax", 2000, 0, 0.864)])
    check = convergence_check(STANDARD, doubled, PAIR)
    assert check["converged"]
    head = check["series"]["head_full/argmax"]
    assert head["gain"] == pytest.approx(0.004) and head["seed_std"] == pytest.approx(0.005)
    assert verdict_lines(check)[-1].startswith("Converged")


def test_a_head_that_gains_more_than_its_seed_std_doubles_the_steps():
    doubled = curves([("prompt/rank", 2000, 0, 0.882), ("head_full/argmax", 2000, 0, 0.880)])
    check = convergence_check(STANDARD, doubled, PAIR)
    assert not check["converged"] and check["series"]["head_full/argmax"]["more_than_seed_std"]
    assert "doubles the steps" in verdict_lines(check)[-1]


def test_a_check_without_its_runs_names_what_is_missing():
    with pytest.raises(ValueError, match="exactly one run of 'prompt/rank'"):
        convergence_check(STANDARD, curves([("head_full/argmax", 2000, 0, 0.9)]), PAIR)
    lone = curves([("prompt/rank", 500, 0, 0.9), ("head_full/argmax", 2000, 0, 0.9)])
    with pytest.raises(ValueError, match="'prompt/rank' at 500 points with seed 0"):
        convergence_check(STANDARD, lone, PAIR)


def test_the_tool_exits_1_when_the_steps_must_double(tmp_path, capsys):
    tool = load_tool("convergence")
    STANDARD.to_csv(tmp_path / "standard.csv", index=False)
    curves([("prompt/rank", 2000, 0, 0.95), ("head_full/argmax", 2000, 0, 0.86)]).to_csv(
        tmp_path / "doubled.csv", index=False
    )
    code = tool.main([str(tmp_path / "standard.csv"), str(tmp_path / "doubled.csv"),
                      "--json", str(tmp_path / "check.json")])  # fmt: skip
    assert (
        code == 1
        and "| prompt/rank | 2,000 | 0 | 0.880 | 0.950 | +0.070 |" in capsys.readouterr().out
    )
    assert (tmp_path / "check.json").is_file()
