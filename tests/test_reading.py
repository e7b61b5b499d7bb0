"""The generated "How to read it" (analysis/reading.py): every comparison word is computed from
the numbers, so a sentence cannot contradict the table beside it."""

import pandas as pd

from promptworth.analysis.reading import (
    cap_sentence,
    how_to_read,
    interval_sentence,
    lead_sentence,
    readings_sentence,
    shared_range,
    zero_shot_sentence,
)

P, B, F = "prompt/rank", "head_full/argmax", "head_frozen/argmax"


def cell(mean, none_rate=0.0):
    return {"accuracy_mean": mean, "accuracy_std": 0.01, "none_rate_mean": none_rate, "seeds": 3}


def summary(prompt_means, head_means, extra=None, headline=None):
    accuracy = {
        P: {str(s): cell(m) for s, m in prompt_means.items()},
        B: {str(s): cell(m) for s, m in head_means.items()},
        **(extra or {}),
    }
    result = headline or {
        "advantage": 20.0,
        "loo_std": 5.0,
        "bootstrap": {"low": 3.0, "high": 40.0, "confidence": 0.95},
        "bootstrap_rows": {"low": -2.0, "high": 45.0, "confidence": 0.95},
        "seed_mean_advantage": 30.0,
        "truncation": None,
        "runs": [3, 3],
    }
    return {
        "accuracy": accuracy,
        "headline": {"comparison": f"{P} vs {B}", **result},
        "data_advantage": {f"{P} vs {B}": result},
    }


def runs(series, points):
    return pd.DataFrame(
        [(series, size, seed, acc) for size, seed, acc in points],
        columns=["series", "size", "seed", "accuracy"],
    )


def test_shared_range_is_where_both_best_run_envelopes_reach():
    curves = pd.concat(
        [
            runs(P, [(10, 0, 0.70), (10, 1, 0.74), (100, 0, 0.85)]),
            runs(B, [(10, 0, 0.55), (100, 0, 0.80), (100, 1, 0.82)]),
        ]
    )
    assert shared_range(curves, P, B) == (0.74, 0.82)
    # curves that never overlap share no range
    far = pd.concat([runs(P, [(10, 0, 0.9)]), runs(B, [(10, 0, 0.5), (100, 0, 0.6)])])
    assert shared_range(far, P, B) is None


def test_lead_sentence_says_ahead_everywhere_or_where_the_curves_cross():
    ahead = lead_sentence(summary({10: 0.74, 100: 0.82}, {10: 0.57, 100: 0.81}), P, B)
    assert "ahead at every size of the grid (10 and 100)" in ahead
    assert "0.740 against head_full/argmax 0.570 at 10 points" in ahead
    crossing = lead_sentence(
        summary({10: 0.74, 100: 0.82, 1000: 0.85}, {10: 0.57, 100: 0.83, 1000: 0.86}), P, B
    )
    assert "ahead at 10 and level or behind at 100 and 1,000 (the curves cross)" in crossing
    # behind in the middle, ahead again at the end: no crossing is claimed
    mixed = lead_sentence(
        summary({10: 0.74, 100: 0.80, 1000: 0.88}, {10: 0.57, 100: 0.83, 1000: 0.86}), P, B
    )
    assert "cross" not in mixed


def test_cap_sentence_reads_a_capped_grid_as_a_bound():
    capped = {
        "advantage": 23.8,
        "truncation": {
            "at_least": 61.0,
            "capped_by": "baseline",
            "left_out": [0.84, 0.856],
            "left_out_share": 0.28,
            "largest_size": 200,
            "next_size": 500,
        },
    }
    text = cap_sentence(capped, P, B)
    assert text.startswith("**A bound, not the answer:**")
    for number in ("0.840", "0.856", "28%", "at least 61 points"):
        assert number in text
    assert text.endswith("Its protocol (v1) had no stopping rule; protocol v2 "
                         "(protocols/v2.md) grows the grid until an answer, the pool or its size "
                         "limit.")  # fmt: skip
    capped["stopping"] = {"status": "continue", "next_size": 500, "largest_size": 200}
    capped["bound_uncertainty"] = {
        "runs": {"low": 20.0, "high": 90.0, "confidence": 0.95, "resamples": 729,
                 "method": "exact", "capped_share": 0.8},
        "rows": {"low": -5.0, "high": 120.0, "confidence": 0.95, "capped_share": 0.7},
    }  # fmt: skip
    text = cap_sentence(capped, P, B)
    assert (
        "at least 61 points (95% over test rows and runs [-5, 120], the baseline capped in "
        "70% of those draws" in text
    )
    assert "over runs [20, 90] (every one of 729 draws, the baseline capped in 80%)" in text
    assert "70% of those draws, in the others the figure is the advantage;" in text
    capped["bound_uncertainty"]["rows"]["capped_share"] = 1.0
    assert "capped in 100% of those draws;" in cap_sentence(capped, P, B)
    assert text.endswith("The protocol's stopping rule runs 500 points next; until then this is "
                         "a bound.")  # fmt: skip
    assert cap_sentence({"advantage": 23.8, "truncation": None}, P, B).startswith("Not capped")
    # a summary that predates the cap statement says nothing rather than "not capped"
    assert cap_sentence({"advantage": 23.8}, P, B) == ""
    assert "share no accuracy range" in cap_sentence({"advantage": None}, P, B)


def test_interval_sentence_says_which_interval_includes_zero():
    text = interval_sentence(summary({10: 0.7}, {10: 0.6})["headline"])
    assert "over runs [3, 40] excludes 0" in text
    assert "over test rows and runs [-2, 45] includes 0" in text
    assert "30.0 points (against 20.0)" in text


def test_zero_shot_sentence_compares_with_each_smallest_size():
    s = summary(
        {10: 0.74}, {10: 0.57}, extra={"icl_zero/rank": {"0": cell(0.583)}, F: {"10": cell(0.6)}}
    )
    text = zero_shot_sentence(s, "icl_zero/rank", [B, F, P])
    assert "scores 0.583" in text
    assert "above head_full/argmax's 10-point mean (0.570)" in text
    assert "at or below head_frozen/argmax's 10-point mean (0.600)" in text
    assert "at or below prompt/rank's 10-point mean (0.740)" in text


def test_readings_sentence_counts_wins_and_the_worst_none_rate():
    s = summary(
        {10: 0.74, 100: 0.82},
        {10: 0.57},
        extra={"prompt/gen_exact": {"10": cell(0.70, 0.059), "100": cell(0.83, 0.01)}},
    )
    text = readings_sentence(s)
    assert "prompt/rank has the highest mean at 1 of 2 sizes" in text or (
        "prompt/gen_exact has the highest mean at 1 of 2 sizes" in text
    )
    assert "at most 5.9% of rows (prompt/gen_exact, 10 points)" in text


def test_how_to_read_puts_the_headline_first_and_no_empty_paragraphs():
    s = summary({10: 0.74, 100: 0.82}, {10: 0.57, 100: 0.81})
    curves = pd.concat(
        [runs(P, [(10, 0, 0.74), (100, 0, 0.82)]), runs(B, [(10, 0, 0.57), (100, 0, 0.81)])]
    )
    lines = how_to_read(s, curves)
    assert lines[0].startswith("**prompt/rank vs head_full/argmax: 20.0 points +- 5.0**")
    assert "0.740 to 0.810" in lines[0]
    assert "" not in (lines[0], lines[-1])
    # never two blank lines in a row
    assert all(a or b for a, b in zip(lines, lines[1:], strict=False))
