"""The plan stage's arithmetic: examples drawn, size checks, the estimate and its warnings."""

from pathlib import Path

import pytest

from promptworth.analysis.plan import (
    Throughput,
    check_sizes,
    describe,
    estimate_run,
    examples_drawn,
    shared_seconds,
)
from promptworth.config.methods import Run
from promptworth.config.params import load_params
from promptworth.core.errors import SamplingError
from promptworth.methods.registry import demonstrations

PARAMS = load_params(Path(__file__).parents[1] / "params.yaml")
CPU = Throughput("cpu", "test machine", 1e11, 2e11, 5.0)


def test_examples_drawn_keep_each_epoch_partial_batch():
    assert examples_drawn(10, 8, 3) == 8 + 2 + 8  # batches of 8, 2, 8
    assert examples_drawn(1000, 8, 100) == 800  # 100 steps of 8 never finish the first epoch
    assert examples_drawn(16, 8, 4) == 32


def test_sizes_beyond_the_pool_are_refused_by_family():
    with pytest.raises(SamplingError, match=r"grid.head.sizes: size 100000 .* pool \(5000 rows"):
        check_sizes(PARAMS.grid, 5000, lambda run: 4)


def test_icl_few_sizes_must_hold_the_shots():
    shots = {"icl_few": 32}
    with pytest.raises(
        SamplingError, match=r"grid.icl_few.sizes: size 10 cannot hold the 32 .*icl_few.shots"
    ):
        check_sizes(PARAMS.grid, 10**6, lambda run: shots.get(run.method, 0))
    check_sizes(PARAMS.grid, 10**6, lambda run: demonstrations(run, PARAMS))  # the real shots


def estimate(run):
    return estimate_run(run, PARAMS, 124_000_000, 50.0, {"instruct": 10.0}, 7600, 500, CPU)


def test_training_costs_more_than_reading_and_grows_with_steps():
    small, large = (
        estimate(Run("prompt", "instruct", 10, 0)),
        estimate(Run("prompt", "instruct", 100000, 0)),
    )
    assert small.steps == 250 and large.steps == 12500  # one pass over 100,000 at batch 8
    assert large.train_tokens > small.train_tokens > 0
    zero = estimate(Run("icl_zero", "instruct"))
    assert zero.steps == 0 and zero.train_tokens == 0 and zero.seconds < small.seconds


def test_the_heads_are_estimated_at_the_backbone_throughput_and_the_lm_methods_at_the_lm_head():
    """A large vocabulary makes the LM head most of an LM step: the probe measures the heads'
    work (backbone only) apart, and each run is timed at the figure of the work it does."""
    from dataclasses import replace

    # The backbone runs 3x faster than a pass through the LM head at every position.
    split = replace(CPU, head_train_flops=3e11, backbone_infer_flops=6e11)
    head_full, prompt = Run("head_full", None, 100, 0), Run("prompt", "instruct", 100, 0)
    zero = Run("icl_zero", "instruct")
    one_figure = {r: estimate(r).seconds - CPU.stage_overhead_s for r in (head_full, prompt)}
    for run in (prompt, zero):  # the LM's figures, as before
        assert estimate_run(run, PARAMS, 124_000_000, 50.0, {"instruct": 10.0}, 7600, 500,
                            split).seconds == estimate(run).seconds  # fmt: skip
    heads = estimate_run(head_full, PARAMS, 124_000_000, 50.0, {}, 7600, 500, split)
    assert heads.seconds - CPU.stage_overhead_s == pytest.approx(one_figure[head_full] / 3)
    assert CPU.for_run(False) == CPU.for_run(True) == (1e11, 2e11)  # the table's one figure
    assert shared_seconds(124_000_000, 1e6, split) < shared_seconds(124_000_000, 1e6, CPU)


def test_every_run_of_the_default_grid_sees_its_whole_subset():
    costs = [estimate(r) for r in PARAMS.grid.runs()]
    lines = describe(costs, 0.0, CPU)
    assert lines[0].startswith("plan: 150 runs (120 to train)")
    trained = [c for c in costs if c.run.spec.is_trained]
    assert min(c.epochs for c in trained) >= 1.0
    big = next(c for c in trained if c.run.size == 100000)
    assert big.steps == 12500 and big.examples == 100000  # max_steps capped no first pass
