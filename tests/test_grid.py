from promptworth.grid import RunLimits, planned_runs, run_name, skip_reason

SIZES, SEEDS, PATTERNS = [10, 100, 1000], [0, 1, 2], ["a", "b"]


def plan(methods, limits=None, shots=0, patterns=("a",)):
    return planned_runs(methods, list(patterns), SIZES, SEEDS, limits or {}, shots)


def test_no_limits_is_the_full_product():
    assert len(plan(["head_frozen", "prompt"])) == 18
    assert len(plan(["prompt"], patterns=PATTERNS)) == 18


def test_head_methods_run_under_the_main_pattern_only():
    runs = plan(["head_frozen", "head_full", "prompt"], patterns=PATTERNS)
    assert {p for m, p, _, _ in runs if m.startswith("head")} == {"a"}
    assert {p for m, p, _, _ in runs if m == "prompt"} == {"a", "b"}
    assert "main_pattern" in skip_reason("head_full", "b", 10, 0, "a", SIZES, SEEDS, {})


def test_icl_zero_runs_once_per_pattern_and_icl_few_needs_its_shots():
    assert plan(["icl_zero"], patterns=PATTERNS) == [
        ("icl_zero", "a", 10, 0),
        ("icl_zero", "b", 10, 0),
    ]
    few = plan(["icl_few"], shots=32)
    assert {size for _, _, size, _ in few} == {100, 1000}
    assert "shots" in skip_reason("icl_few", "a", 10, 0, "a", SIZES, SEEDS, {}, 32)


def test_max_size_drops_larger_sizes():
    runs = plan(["head_full"], {"head_full": RunLimits(max_size=100)})
    assert {size for _, _, size, _ in runs} == {10, 100} and len(runs) == 6


def test_seeds_at_max_size_keeps_the_first_seeds_at_the_largest_size_only():
    runs = plan(["prompt"], {"prompt": RunLimits(seeds_at_max_size=1)})
    assert [r for r in runs if r[2] == 1000] == [("prompt", "a", 1000, 0)]
    assert len([r for r in runs if r[2] == 100]) == 3


def test_seed_limit_applies_at_the_method_largest_allowed_size():
    limits = {"head_full": RunLimits(max_size=100, seeds_at_max_size=2)}
    assert skip_reason("head_full", "a", 100, 1, "a", SIZES, SEEDS, limits) is None
    assert "seeds_at_max_size" in skip_reason("head_full", "a", 100, 2, "a", SIZES, SEEDS, limits)
    assert skip_reason("head_full", "a", 10, 2, "a", SIZES, SEEDS, limits) is None


def test_seeds_and_all_patterns_limits():
    limits = {"prompt_lora": RunLimits(seeds=1, all_patterns=False)}
    runs = plan(["prompt_lora"], limits, patterns=PATTERNS)
    assert runs == [("prompt_lora", "a", size, 0) for size in SIZES]


def test_run_names_are_unique_per_cell():
    cells = [
        (m, p, s, r) for m in ("prompt", "icl_few") for p in PATTERNS for s in SIZES for r in SEEDS
    ]
    assert len({run_name(*c) for c in cells}) == len(cells)
