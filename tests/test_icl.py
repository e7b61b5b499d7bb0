import pytest

from promptworth.methods.icl import fit_demonstrations, icl_inputs, pick_demonstrations


def test_demonstrations_are_distinct_deterministic_and_vary_by_seed():
    first = pick_demonstrations(100, 4, seed=0)
    assert len(set(first)) == 4 and all(0 <= i < 100 for i in first)
    assert pick_demonstrations(100, 4, seed=0) == first
    assert pick_demonstrations(100, 4, seed=1) != first


def test_more_shots_than_examples_is_an_error_naming_the_param():
    with pytest.raises(ValueError, match=r"methods.icl_few.shots \(5\)"):
        pick_demonstrations(3, 5, seed=0)


def test_demonstrations_that_overflow_are_dropped_last_first():
    demos = [[1] * 10, [2] * 10, [3] * 10]
    assert fit_demonstrations(demos, query_len=5, budget=30) == [[1] * 10, [2] * 10]
    assert fit_demonstrations(demos, query_len=5, budget=35) == demos
    assert fit_demonstrations(demos, query_len=5, budget=14) == []


def test_the_query_is_never_cut():
    demos = [[1] * 10]
    inputs, kept = icl_inputs(demos, [[7] * 3, [8] * 50], budget=20)
    assert inputs == [[1] * 10 + [7] * 3, [8] * 50]  # too long for the budget: kept whole
    assert kept == [1, 0]
