import math

import numpy as np
import pandas as pd
import pytest

from promptworth.analysis.advantage import (
    accuracy_levels,
    bootstrap_interval,
    data_advantage,
    envelope,
    leave_one_run_out,
    percentile_interval,
    points_needed,
)
from promptworth.analysis.bounds import advantage_bound
from promptworth.analysis.wording import advantage_text


def runs(sizes, accs, seed=0):
    return pd.DataFrame({"size": sizes, "accuracy": accs, "seed": seed})


SIZES = [100, 200, 300, 400]
HEAD = runs(SIZES, [0.3, 0.4, 0.5, 0.6])  # acc = 0.3 + (n - 100) / 1000
PROMPT = runs(SIZES, [0.4, 0.5, 0.6, 0.7])  # the head's curve shifted left by 100 points


def test_shifted_curve_has_known_advantage():
    assert data_advantage(PROMPT, HEAD, 1000) == pytest.approx(100.0)


def test_advantage_is_antisymmetric():
    assert data_advantage(HEAD, PROMPT, 1000) == pytest.approx(-100.0)


def test_no_shared_accuracy_range_is_nan():
    assert np.isnan(data_advantage(runs(SIZES, [0.8] * 4), runs(SIZES, [0.3] * 4), 100))


def test_envelope_takes_best_seed_then_running_max():
    sizes, accs = envelope(runs([10, 10, 100, 1000], [0.3, 0.5, 0.4, 0.6]))
    assert sizes.tolist() == [10, 100, 1000]
    assert accs.tolist() == [0.5, 0.5, 0.6]


def test_points_needed_interpolates_and_takes_the_first_crossing():
    sizes, accs = np.array([0.0, 100.0, 200.0]), np.array([0.2, 0.6, 0.6])
    assert points_needed(sizes, accs, [0.1, 0.5, 0.6, 0.7]) == pytest.approx(
        [0.0, 75.0, 100.0, np.nan], nan_ok=True
    )


def test_levels_exclude_both_ends_of_the_shared_range():
    levels = accuracy_levels(0.5, 0.6, 4)
    assert levels == pytest.approx([0.52, 0.54, 0.56, 0.58])


# Two runs per method; with linear curves the gap is linear in the accuracy level, so its mean
# over levels spread evenly inside the shared range is the gap at the middle level.
P = pd.concat([runs([10, 100], [0.6, 0.8], seed=0), runs([10, 100], [0.5, 0.7], seed=1)])
H = pd.concat([runs([10, 100], [0.4, 0.7], seed=0), runs([10, 100], [0.5, 0.6], seed=1)])


def test_leave_one_run_out_reproduces_a_hand_computed_case_of_the_papers_method():
    # All runs: prompt envelope (0.6, 0.8), head (0.5, 0.7): shared range [0.6, 0.7]; the head
    # needs 10 + (a - 0.5) * 450 points, the prompt 10 + (a - 0.6) * 450: 45 points everywhere.
    assert data_advantage(P, H, 1001) == pytest.approx(45.0)
    res = leave_one_run_out(P, H, 1001)
    by_pair = {tuple(p["left_out"]): p["advantage"] for p in res["pairs"]}
    # Left out (prompt 0, head 0): curves (0.5, 0.7) vs (0.5, 0.6) on [0.5, 0.6]: the gap is
    # (a - 0.5) * 450, 22.5 at a = 0.55. (0, 1): (0.5, 0.7) vs (0.4, 0.7): 105 - 150a, 15 at
    # 0.6. (1, 1): (0.6, 0.8) vs (0.4, 0.7): 150 - 150a, 52.5 at 0.65.
    assert by_pair[(0, 0)] == pytest.approx(22.5)
    assert by_pair[(0, 1)] == pytest.approx(15.0)
    assert by_pair[(1, 1)] == pytest.approx(52.5)
    # (1, 0): prompt (0.6, 0.8) vs head (0.5, 0.6) meet only at 0.6: no shared range.
    assert math.isnan(by_pair[(1, 0)]) and res["undefined_pairs"] == 1
    # std (ddof=0) of the three defined advantages: mean 30, squared deviations 56.25, 225,
    # 506.25 -> sqrt(787.5 / 3)
    assert res["std"] == pytest.approx(math.sqrt(787.5 / 3))


def test_leave_one_run_out_with_no_defined_pair_reports_nan():
    prompt = runs([10, 100], [0.6, 0.8], seed=0)  # a single run each: leaving it out leaves none
    res = leave_one_run_out(prompt, runs([10, 100], [0.5, 0.7], seed=0), 100)
    assert math.isnan(res["std"]) and res["undefined_pairs"] == 1


def test_leave_one_run_out_is_zero_when_every_run_agrees():
    two = lambda df: pd.concat([df, df.assign(seed=1)])  # noqa: E731
    res = leave_one_run_out(two(PROMPT), two(HEAD), 1000)
    assert res["std"] == pytest.approx(0.0, abs=1e-9) and len(res["pairs"]) == 4


def test_bootstrap_interval_collapses_when_runs_agree_and_is_reproducible():
    two = lambda df: pd.concat([df, df.assign(seed=1)])  # noqa: E731
    same = bootstrap_interval(two(PROMPT), two(HEAD), 1000, resamples=50, seed=0)
    assert same["low"] == pytest.approx(100.0) and same["high"] == pytest.approx(100.0)
    first = bootstrap_interval(P, H, 101, resamples=200, seed=3)
    assert first == bootstrap_interval(P, H, 101, resamples=200, seed=3)
    # Two runs a method: 2**2 x 2**2 = 16 equally likely draws, every one enumerated.
    assert first["low"] < first["high"] and first["resamples"] == 16
    assert first["method"] == "exact" and first == bootstrap_interval(P, H, 101, 200, seed=99)


def test_the_exact_runs_bootstrap_is_the_percentile_of_every_equally_likely_draw():
    import itertools

    three_p = pd.concat([P, runs([10, 100], [0.55, 0.75], seed=2)])
    three_h = pd.concat([H, runs([10, 100], [0.45, 0.65], seed=2)])
    exact = bootstrap_interval(three_p, three_h, 101, resamples=10, seed=0)
    assert exact["method"] == "exact" and exact["resamples"] == 27 * 27
    by_hand = [
        data_advantage(three_p[three_p["seed"].isin(p)], three_h[three_h["seed"].isin(h)], 101)
        for p in itertools.product([0, 1, 2], repeat=3)
        for h in itertools.product([0, 1, 2], repeat=3)
    ]
    assert (exact["low"], exact["high"]) == pytest.approx(percentile_interval(by_hand, 0.95))
    sampled = bootstrap_interval(
        pd.concat([three_p, runs([10, 100], [0.5, 0.8], seed=3)]),
        pd.concat([three_h, runs([10, 100], [0.5, 0.6], seed=3)]),
        101, resamples=300, seed=0,
    )  # fmt: skip
    assert sampled["method"] == "random" and sampled["resamples"] == 300  # 4**4 x 4**4 > 10,000


def test_a_prompt_above_the_head_everywhere_gives_a_lower_bound():
    prompt = runs([10, 100], [0.8, 0.9])
    head = runs([10, 1000], [0.3, 0.7])
    assert np.isnan(data_advantage(prompt, head, 100))
    assert advantage_bound(prompt, head)["at_least"] == 990.0
    assert advantage_bound(head, prompt) == {"at_most": -990.0}
    assert advantage_bound(PROMPT, HEAD) is None  # overlapping curves need no bound


def test_a_one_size_method_below_the_head_is_bounded_by_zero_not_minus_zero():
    # icl_few at 10 points only, under a head whose 10-point run already beats it.
    few = runs([10], [0.5])
    head = runs([10, 100], [0.6, 0.8])
    bound = advantage_bound(few, head)
    assert bound == {"at_most": 0.0} and str(bound["at_most"]) == "0.0"
    text = advantage_text({"advantage": None, "bound": bound})
    assert text.startswith("at most 0 points: the baseline's smallest size") and "-0" not in text


def test_log_space_reading_of_a_tenfold_shift():
    # The prompt at n points reaches what the head reaches at 10 x n (log-linear curves).
    head = runs([10, 100, 1000], [0.3, 0.5, 0.7])
    prompt = runs([10, 100, 1000], [0.5, 0.7, 0.9])
    assert data_advantage(prompt, head, 1000, log_space=True) == pytest.approx(1.0)  # log10(10)
    assert data_advantage(prompt, head, 1000) > 100


def test_report_gives_every_comparison_its_error_bars():
    from promptworth.analysis.report import advantages

    curves = pd.concat(
        [
            H.assign(series="head_full/argmax", method="head_full"),
            P.assign(series="prompt/rank", method="prompt"),
        ],
        ignore_index=True,
    )
    res = advantages(curves, 1001, resamples=100, seed=0)["prompt/rank vs head_full/argmax"]
    assert res["advantage"] == pytest.approx(45.0)
    assert res["loo_std"] == pytest.approx(math.sqrt(787.5 / 3), abs=1e-3)
    assert res["loo_undefined"] == 1 and res["runs"] == [2, 2]
    assert {tuple(p["left_out"]) for p in res["leave_one_run_out"]} == {
        (0, 0), (0, 1), (1, 0), (1, 1)
    }  # fmt: skip
    assert res["bootstrap"]["low"] <= 45.0 <= res["bootstrap"]["high"]


def test_one_run_per_method_gives_no_error_bar_rather_than_a_zero_width_one():
    boot = bootstrap_interval(runs([10, 100], [0.7, 0.8]), HEAD, 101, resamples=50, seed=0)
    assert math.isnan(boot["low"]) and math.isnan(boot["high"]) and boot["resamples"] == 0
    res = {"advantage": 26.8, "loo_std": None, "bootstrap": {"low": None}, "runs": [1, 1]}
    text = advantage_text(res)
    assert text == "26.8 points (one run of a method: no error bar; more seeds give one)"


def test_what_to_run_next_never_exceeds_the_pool():
    from promptworth.analysis.bounds import next_step_text, truncation

    head = runs([10, 100, 200], [0.5, 0.6, 0.7])
    prompt = runs([10, 100, 200], [0.6, 0.75, 0.8])
    assert truncation(prompt, head, 101)["next_size"] == 500  # the 1-2-5 ladder below 500
    capped = truncation(prompt, head, 101, pool=330)
    assert capped["next_size"] == 330 and capped["next_is_pool"]
    assert next_step_text(capped) == "the whole pool (330 points) is the largest size left to try"
    spent = truncation(prompt, head, 101, pool=200)
    assert spent["next_size"] is None
    assert "already had the whole training pool (200 points)" in next_step_text(spent)
    assert (
        next_step_text(truncation(prompt, head, 101))
        == "500 points is the protocol's next size to try"
    )


def test_a_bound_counts_the_size_where_the_head_first_ties_not_its_largest():
    """BBC's head_frozen case: the head first reaches the prompt's 10-point accuracy at 500
    points (then stays flat to 1,000): the prompt is worth at least 490 points, not 990."""
    prompt = runs([10, 100], [0.80, 0.90])
    head = runs([10, 100, 500, 1000], [0.50, 0.70, 0.80, 0.80])
    assert advantage_bound(prompt, head)["at_least"] == 490.0
    never = runs([10, 100, 500, 1000], [0.50, 0.70, 0.75, 0.78])
    assert advantage_bound(prompt, never)["at_least"] == 990.0


def test_an_undefined_advantage_reports_no_spread():
    from promptworth.analysis.report import advantage_of

    prompt = pd.concat([runs([10, 100], [0.80, 0.90], 0), runs([10, 100], [0.82, 0.91], 1)])
    head = pd.concat([runs([10, 100], [0.50, 0.70], 0), runs([10, 100], [0.55, 0.81], 1)])
    res = advantage_of(prompt, head, 101, (50, 0))
    assert res["advantage"] is None and res["bound"]["at_least"] == 90.0
    assert res["loo_std"] is None and res["bootstrap"]["low"] is None


def test_at_least_zero_points_says_what_to_run_instead():
    """Both methods at 10 points only (a task tried by params), the prompt above: the bound is
    0, which says nothing; the text says the baseline needs a larger size."""
    prompt, head = runs([10], [0.8]), runs([10], [0.6])
    bound = advantage_bound(prompt, head)
    assert bound == {"at_least": 0.0, "largest_size": 10, "next_size": 20}
    text = advantage_text({"advantage": None, "bound": bound})
    assert text.startswith("not measured by this grid: the prompt at its smallest size")
    assert "run the baseline at 20 points (the protocol's next size)" in text
    spent = advantage_bound(prompt, head, pool=10)  # no larger size exists to try
    assert "run the baseline at more points" in advantage_text({"advantage": None, "bound": spent})
    assert advantage_text({"advantage": None, "bound": {"at_least": 90.0}}).startswith(
        "at least 90 points"
    )


def test_sizes_grow_by_the_ladder_then_double_from_500():
    from promptworth.analysis.bounds import next_size

    assert [next_size(n) for n in (10, 20, 50, 100, 200)] == [20, 50, 100, 200, 500]
    assert [next_size(n) for n in (500, 1000, 2000, 4000)] == [1000, 2000, 4000, 8000]


def test_the_bound_over_the_prompt_range_is_the_truncation_figure_and_the_advantage_uncapped():
    from promptworth.analysis.bounds import prompt_range_advantage, truncation

    head = runs([10, 100, 200], [0.5, 0.6, 0.7])
    prompt = runs([10, 100, 200], [0.6, 0.75, 0.8])
    assert prompt_range_advantage(prompt, head, 101) == pytest.approx(
        truncation(prompt, head, 101)["at_least"], abs=1e-3
    )
    reaching = runs([10, 100, 200], [0.5, 0.6, 0.9])  # the baseline passes the prompt's best
    assert prompt_range_advantage(prompt, reaching, 101) == pytest.approx(
        data_advantage(prompt, reaching, 101)
    )


def test_the_bound_has_an_exact_runs_interval_and_a_capped_share():
    """The bound's runs interval enumerates every draw when they are few (3 x 2 seeds: 27 x 4)."""
    from promptworth.analysis.report import advantage_of

    prompt = pd.concat(
        [runs([10, 100, 200], [0.60, 0.75, 0.80], s) for s in (0, 1, 2)], ignore_index=True
    )
    head = pd.concat(
        [
            runs([10, 100, 200], [0.50, 0.60, 0.70], 0),
            runs([10, 100, 200], [0.50, 0.62, 0.72], 1),
            runs([10, 100, 200], [0.50, 0.62, 0.85], 2),
        ],
        ignore_index=True,
    )
    res = advantage_of(prompt, head, 101, (100, 0))
    # With seed 2 the baseline passes the prompt's best: not capped, no bound to spread.
    assert res["truncation"]["capped_by"] == "prompt" and res["bound_uncertainty"] is None
    capped_head = head[head["seed"] != 2]
    res = advantage_of(prompt, capped_head, 101, (100, 0))
    spread = res["bound_uncertainty"]["runs"]
    assert spread["method"] == "exact" and spread["resamples"] == 27 * 4
    assert spread["capped_share"] == 1.0  # no draw of seeds 0 and 1 reaches 0.80
    assert spread["low"] <= res["truncation"]["at_least"] <= spread["high"]
    assert res["bound_uncertainty"]["rows"] is None  # no test rows given


def test_the_runs_bootstrap_counts_the_draws_whose_baseline_is_capped():
    prompt = pd.concat([runs([10, 100], [0.6, 0.8], s) for s in (0, 1)], ignore_index=True)
    head = pd.concat(
        [runs([10, 100], [0.5, 0.7], 0), runs([10, 100], [0.5, 0.9], 1)], ignore_index=True
    )
    boot = bootstrap_interval(prompt, head, 101, resamples=10, seed=0)
    # 4 x 4 equally likely draws; the head's seed 1 (0.9 > 0.8) is missing from 1 in 4 of its
    # draws ((0, 0)), so the baseline is capped in a quarter of them.
    assert boot["method"] == "exact" and boot["capped_share"] == 0.25
