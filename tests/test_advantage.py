import numpy as np
import pandas as pd
import pytest

from promptworth.advantage import data_advantage, data_advantage_with_error, envelope, points_needed


def runs(sizes, accs):
    return pd.DataFrame({"size": sizes, "accuracy": accs})


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


def test_points_needed_interpolates_linearly():
    assert points_needed(np.array([0.0, 100.0]), np.array([0.2, 0.6]), 0.5) == pytest.approx(75.0)
    assert np.isnan(points_needed(np.array([0.0, 100.0]), np.array([0.2, 0.6]), 0.7))


def test_leave_one_out_std_is_zero_when_every_seed_agrees():
    two_seeds = lambda df: pd.concat([df, df], ignore_index=True)  # noqa: E731
    res = data_advantage_with_error(two_seeds(PROMPT), two_seeds(HEAD), 1000)
    assert res["advantage"] == pytest.approx(100.0)
    assert res["loo_std"] == pytest.approx(0.0, abs=1e-9)
    assert res["loo_runs"] == 16


def test_leave_one_out_std_is_positive_when_one_run_is_lucky():
    lucky = pd.concat([PROMPT, runs([100], [0.55])], ignore_index=True)
    res = data_advantage_with_error(lucky, HEAD, 1000)
    assert res["loo_std"] > 0


def test_log_space_reading_of_a_tenfold_shift():
    # The prompt at n points reaches what the head reaches at 10 x n (log-linear curves).
    head = runs([10, 100, 1000], [0.3, 0.5, 0.7])
    prompt = runs([10, 100, 1000], [0.5, 0.7, 0.9])
    assert data_advantage(prompt, head, 1000, log_space=True) == pytest.approx(1.0)  # log10(10)
    # Over the same range, the linear reading is a number of points, not a ratio.
    assert data_advantage(prompt, head, 1000) > 100


def test_log_space_ratio_in_the_report():
    from promptworth.report import advantages

    curves = pd.concat(
        [
            runs([10, 100, 1000], [0.3, 0.5, 0.7]).assign(
                series="head_full/argmax", method="head_full"
            ),
            runs([10, 100, 1000], [0.5, 0.7, 0.9]).assign(series="prompt/rank", method="prompt"),
        ],
        ignore_index=True,
    )
    res = advantages(curves, 1000)["prompt/rank vs head_full/argmax"]
    assert res["ratio"] == pytest.approx(10.0, rel=1e-3)
    assert res["log10_ratio_loo_std"] >= 0
