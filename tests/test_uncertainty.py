"""The whole answer's statistics: what the grid's end leaves out (said as a bound), the seed-mean
curve beside the best-run envelope, and a bootstrap over test rows and runs that does not move
with its own seed."""

import numpy as np
import pandas as pd
import pytest

from promptworth.analysis.advantage import data_advantage, seed_mean_envelope
from promptworth.analysis.bounds import next_size, truncation
from promptworth.analysis.report import advantage_of
from promptworth.analysis.uncertainty import RunRows, paired_bootstrap, resample_advantages
from promptworth.analysis.wording import advantage_text
from tests.test_advantage import runs


def test_a_baseline_that_stops_below_the_prompt_gives_a_lower_bound_over_the_whole_range():
    # Prompt 0.6 -> 0.8 and head 0.4 -> 0.7, both over 10 -> 20 points. Over (0.6, 0.7] the head
    # needs 16.7 -> 20 (mean 18.33), the prompt 10 -> 15 (mean 12.5): 5.83. Over (0.7, 0.8) the
    # head needs more than 20 (counted as 20), the prompt 15 -> 20 (mean 17.5): 2.5. Half each.
    prompt, head = runs([10, 20], [0.6, 0.8]), runs([10, 20], [0.4, 0.7])
    cut = truncation(prompt, head, 1000)
    assert cut["at_least"] == pytest.approx((35 / 6 + 2.5) / 2, abs=0.01)
    assert cut["capped_by"] == "baseline" and cut["left_out"] == [0.7, 0.8]
    assert cut["left_out_share"] == 0.5 and cut["largest_size"] == 20 and cut["next_size"] == 50
    # the shared-range advantage is what the paper reports; the bound adds the left-out levels
    assert data_advantage(prompt, head, 1000) == pytest.approx(35 / 6, abs=0.01)


def test_a_prompt_that_stops_below_the_baseline_gives_an_upper_bound():
    cut = truncation(runs([10, 20], [0.4, 0.7]), runs([10, 20], [0.6, 0.8]), 1000)
    assert cut["capped_by"] == "prompt" and cut["at_most"] == pytest.approx(-(35 / 6 + 2.5) / 2,
                                                                          abs=0.01)  # fmt: skip


def test_no_bound_when_both_curves_reach_the_same_best():
    assert truncation(runs([10, 20], [0.6, 0.8]), runs([10, 20, 40], [0.4, 0.7, 0.8]), 100) is None


def test_the_report_says_at_least_and_the_size_that_would_decide_it():
    result = advantage_of(runs([10, 20], [0.6, 0.8]), runs([10, 20], [0.4, 0.7]), 1000, (10, 0))
    text = advantage_text(result)
    assert "Capped by the grid" in text and "the advantage is at least 4 points" in text
    assert "accuracies 0.700-0.800 (50% of the range) are left out" in text
    assert "50 points is the protocol's next size to try" in text


def test_next_size_follows_the_one_two_five_ladder():
    assert [next_size(n) for n in (10, 20, 50, 100, 200, 500, 1000, 150)] == [
        20, 50, 100, 200, 500, 1000, 2000, 200,
    ]  # fmt: skip


def test_the_seed_mean_curve_does_not_reward_a_noisy_method():
    # Same mean accuracy per size; the noisy method's best seed is higher, so its envelope is
    # higher: the paper's reading favours it, the seed-mean reading does not.
    calm = pd.concat([runs([10, 100], [0.6, 0.8], s) for s in range(3)])
    noisy = pd.concat(
        [runs([10, 100], [0.6 + d, 0.8 + d], s) for s, d in enumerate((-0.1, 0, 0.1))]
    )
    assert data_advantage(noisy, calm, 1000) > 10
    assert data_advantage(seed_mean_envelope(noisy), seed_mean_envelope(calm), 1000) == (
        pytest.approx(0.0, abs=1e-9)
    )
    result = advantage_of(noisy, calm, 1000, (200, 0))
    assert result["seed_mean_advantage"] == pytest.approx(0.0, abs=1e-3)


def rows_of(accuracies: dict, n_rows: int, seed: int) -> RunRows:
    """Runs {(size, seed): accuracy} as 0/1 rows drawn with those accuracies."""
    rng = np.random.default_rng(seed)
    keys = sorted(accuracies)
    correct = np.stack([(rng.random(n_rows) < accuracies[k]).astype(float) for k in keys])
    return RunRows(np.array([k[0] for k in keys]), np.array([k[1] for k in keys]), correct)


PROMPT_ROWS = rows_of({(n, s): a + 0.01 * s for n, a in ((10, 0.70), (100, 0.80), (200, 0.84))
                       for s in range(3)}, 600, 1)  # fmt: skip
HEAD_ROWS = rows_of({(n, s): a + 0.02 * s for n, a in ((10, 0.55), (100, 0.74), (200, 0.82))
                     for s in range(3)}, 600, 2)  # fmt: skip


def one_run(rows: RunRows) -> RunRows:
    """Seed 0's runs only."""
    keep = rows.seeds == 0
    return RunRows(rows.sizes[keep], rows.seeds[keep], rows.correct[keep])


def test_the_rows_are_paired_one_drawn_row_moves_both_methods_alike():
    # One run each, the same correctness: every resample gives the same curves, advantage 0.
    same = paired_bootstrap(one_run(PROMPT_ROWS), one_run(PROMPT_ROWS), 200, seed=0, start=200)
    assert same["low"] == pytest.approx(0.0) and same["high"] == pytest.approx(0.0)


def test_test_row_resampling_widens_what_one_run_per_method_cannot_show():
    values = resample_advantages(one_run(PROMPT_ROWS), one_run(HEAD_ROWS), 200, 300, 0)
    assert np.nanstd(values) > 1.0  # one seed each: every bit of spread is test-row noise


def test_the_interval_moves_by_less_than_a_point_across_bootstrap_seeds():
    intervals = [paired_bootstrap(PROMPT_ROWS, HEAD_ROWS, 200, seed=s) for s in (0, 10, 20)]
    assert all(i["stable"] for i in intervals)
    lows, highs = [i["low"] for i in intervals], [i["high"] for i in intervals]
    assert max(lows) - min(lows) < 1.0 and max(highs) - min(highs) < 1.0
    assert intervals[0]["low"] < intervals[0]["high"]


def test_methods_scored_on_different_rows_are_refused():
    short = RunRows(HEAD_ROWS.sizes, HEAD_ROWS.seeds, HEAD_ROWS.correct[:, :500])
    with pytest.raises(ValueError, match="different test rows"):
        paired_bootstrap(PROMPT_ROWS, short, 100)


def test_growing_the_resamples_adds_draws_and_gives_what_fresh_draws_give():
    # paired_bootstrap extends each seed's draws instead of redrawing them, so its pooled
    # interval is the one fresh draws of the final size give: the doubling costs n draws, not
    # 2n, and moves no published interval.
    lines = []
    result = paired_bootstrap(
        PROMPT_ROWS, HEAD_ROWS, 200, seed=3, start=1000, tolerance=7.0, progress=lines.append
    )
    n = result["resamples"] // 2
    assert n == 2000  # seeds 3 and 4 moved 8.2 points at 1,000 draws, 6.5 at 2,000
    fresh = np.concatenate(
        [resample_advantages(PROMPT_ROWS, HEAD_ROWS, 200, n, seed) for seed in (3, 4)]
    )
    low, high = np.nanpercentile(fresh, [2.5, 97.5])
    assert (result["low"], result["high"]) == pytest.approx((low, high))
    assert len(lines) == 2 and "2,000 draws per seed" in lines[-1]


def test_a_bootstrap_that_never_settles_stops_at_the_cap_and_says_so(monkeypatch):
    from promptworth.analysis import uncertainty

    monkeypatch.setattr(uncertainty, "MAX_RESAMPLES", 2000)
    result = paired_bootstrap(PROMPT_ROWS, HEAD_ROWS, 200, seed=0, start=1000, tolerance=1e-9)
    assert result["stable"] is False and result["resamples"] == 2 * 2000


def shifted(rows: RunRows, size: int, by: float, seed: int) -> RunRows:
    """`rows` with the runs at `size` redrawn `by` more accurate (at their own mean)."""
    rng = np.random.default_rng(seed)
    correct = rows.correct.copy()
    for k in np.flatnonzero(rows.sizes == size):
        correct[k] = (rng.random(correct.shape[1]) < correct[k].mean() + by).astype(float)
    return RunRows(rows.sizes, rows.seeds, correct)


def test_the_bound_over_rows_and_runs_counts_the_draws_whose_baseline_is_capped():
    """The head's best (0.86) ties the prompt's: in some draws it stops below, in others not."""
    bound = paired_bootstrap(PROMPT_ROWS, HEAD_ROWS, 200, seed=0, start=500, reading="prompt_range")
    assert 0.05 < bound["capped_share"] < 0.95
    far_below = shifted(HEAD_ROWS, 200, -0.15, 3)
    capped = paired_bootstrap(
        PROMPT_ROWS, far_below, 200, seed=0, start=500, reading="prompt_range"
    )
    assert capped["capped_share"] == 1.0 and capped["low"] < capped["high"]


def test_an_uncapped_baseline_gives_the_bound_the_advantage_own_draws():
    """Where the baseline passes the prompt's best in every draw, the bound over the prompt's
    range is the advantage itself: the same draws give the same interval."""
    far_above = shifted(HEAD_ROWS, 200, 0.2, 4)  # every 200-point head row right
    shared = paired_bootstrap(PROMPT_ROWS, far_above, 200, seed=0, start=500)
    bound = paired_bootstrap(PROMPT_ROWS, far_above, 200, seed=0, start=500, reading="prompt_range")
    assert bound["capped_share"] == 0.0 == shared["capped_share"]
    assert (bound["low"], bound["high"]) == pytest.approx((shared["low"], shared["high"]))
