from promptworth.grid import RunLimits, planned_runs, run_included

SIZES, SEEDS = [10, 100, 1000], [0, 1, 2]


def test_no_limits_is_the_full_product():
    assert len(planned_runs(["head_frozen", "prompt"], SIZES, SEEDS, {})) == 18


def test_max_size_drops_larger_sizes():
    limits = {"head_full": RunLimits(max_size=100)}
    runs = planned_runs(["head_full"], SIZES, SEEDS, limits)
    assert {size for _, size, _ in runs} == {10, 100} and len(runs) == 6


def test_seeds_at_max_size_keeps_the_first_seeds_at_the_largest_size_only():
    limits = {"prompt": RunLimits(seeds_at_max_size=1)}
    runs = planned_runs(["prompt"], SIZES, SEEDS, limits)
    assert [r for r in runs if r[1] == 1000] == [("prompt", 1000, 0)]
    assert len([r for r in runs if r[1] == 100]) == 3


def test_seed_limit_applies_at_the_method_largest_allowed_size():
    limits = {"head_full": RunLimits(max_size=100, seeds_at_max_size=2)}
    assert run_included("head_full", 100, 1, SIZES, SEEDS, limits)
    assert not run_included("head_full", 100, 2, SIZES, SEEDS, limits)
    assert run_included("head_full", 10, 2, SIZES, SEEDS, limits)
