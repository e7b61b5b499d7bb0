"""What a grid will cost before it runs: how many runs, how many steps and tokens, and an estimate
of the wall time on this device from measured throughput (probe.py here, or the fixed table).

The estimate counts floating-point work: 6 x parameters per token trained (forward and
backward), 2 x parameters per token only read (dev and test passes, features), plus a fixed
start-up per stage (a new Python process loads torch and the model). Throughput comes from a
short probe on this machine (probe.py), one figure per kind of work: the methods that read a
pattern run the LM head (every position in training, the last few in scoring), the heads run the
backbone only. bench/throughput.json, for another device kind, has one figure for all kinds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from promptworth.config.methods import FAMILY_AXES, Run
from promptworth.core.errors import SamplingError
from promptworth.methods.registry import run_work
from promptworth.methods.steps import num_training_steps


@dataclass(frozen=True)
class Throughput:
    """Effective FLOP/s of a device: measured here by the probe, or the fixed table's."""

    device: str  # "cpu" or "cuda"
    machine: str  # where it was measured, in words
    train_flops: float  # 6 x params x tokens/s while training with the LM loss
    infer_flops: float  # 2 x params x tokens/s in no-grad LM scoring passes
    stage_overhead_s: float  # process start, imports, model load: per stage
    # The heads' work, which skips the LM head (None: as the LM's, the fixed table's case).
    head_train_flops: float | None = None
    backbone_infer_flops: float | None = None

    def for_run(self, reads_lm_head: bool) -> tuple[float, float]:
        """(training, no-grad) FLOP/s for a run that runs the LM head or only the backbone."""
        if reads_lm_head:
            return self.train_flops, self.infer_flops
        return (
            self.head_train_flops or self.train_flops,
            self.backbone_infer_flops or self.infer_flops,
        )


@dataclass(frozen=True)
class RunCost:
    run: Run
    steps: int  # optimiser steps planned (0: nothing trains)
    examples: int  # training examples drawn over those steps
    train_tokens: int
    read_tokens: int  # tokens through no-grad passes: dev evaluations, test scoring
    seconds: float

    @property
    def epochs(self) -> float:
        return self.examples / self.run.size if self.run.size else 0.0


def examples_drawn(size: int, batch_size: int, steps: int) -> int:
    """Examples drawn in `steps` batches when every epoch keeps its last partial batch (as
    steps.epoch_batches does)."""
    per_epoch = -(-size // batch_size)  # batches per epoch
    full, rest = divmod(steps, per_epoch)
    return full * size + min(rest * batch_size, size)


def check_dev_split(dev_rows: int, train_rows: int) -> None:
    """The dev split must leave a training pool: blame sample.dev_size, not the sizes."""
    if dev_rows >= train_rows:
        raise SamplingError(
            f"sample.dev_size: {dev_rows:,} dev rows leave no training pool: the training split "
            f"has {train_rows:,} rows after the data checks"
        )


def check_sizes(grid, pool: int, demonstrations: Callable[[Run], int]) -> None:
    """Every size fits the pool (rows left after the dev split) and holds the demonstrations
    its run puts before each query (`demonstrations(run)`: icl_few's shots, else 0)."""
    for family in (f for f, axes in FAMILY_AXES.items() if "sizes" in axes):
        sizes = grid.family(family).sizes
        too_big = [n for n in sizes if n > pool]
        if too_big and grid.family(family).seeds:
            raise SamplingError(
                f"grid.{family}.sizes: size {max(too_big)} is larger than the training pool "
                f"({pool} rows after removing the dev split)"
            )
        for run in grid.family_runs(family):
            if run.size is not None and demonstrations(run) > run.size:
                raise SamplingError(
                    f"grid.{family}.sizes: size {run.size} cannot hold the "
                    f"{demonstrations(run)} demonstrations of methods.{run.method}.shots"
                )


def estimate_run(
    run: Run,
    params,
    parameters: int,
    article_tokens: float,
    pattern_tokens: dict[str, float],
    test_rows: int,
    dev_rows: int,
    throughput: Throughput,
) -> RunCost:
    """Steps, tokens and seconds of one run (its one stage: training and scoring)."""
    t = params.train
    prompt = article_tokens + (pattern_tokens.get(run.pattern, 0.0) if run.pattern else 0.0)
    steps = examples = 0
    if run.spec.is_trained:
        steps = num_training_steps(run.size, t.batch_size, t.epochs, t.min_steps, t.max_steps)
        examples = examples_drawn(run.size, t.batch_size, steps)
    work = run_work(run, params, prompt, steps, examples, test_rows, dev_rows)
    train_tokens, read_tokens, stages = work.train_tokens, work.read_tokens, work.stages
    train_flops, infer_flops = throughput.for_run(run.spec.reads_pattern)
    seconds = (
        6 * parameters * train_tokens / train_flops
        + 2 * parameters * read_tokens / infer_flops
        + stages * throughput.stage_overhead_s
    )
    return RunCost(run, steps, examples, int(train_tokens), int(read_tokens), seconds)


def shared_seconds(parameters: int, tokens: float, throughput: Throughput) -> float:
    """The features stage: one backbone pass per dev and test row (0 tokens: no method in the
    grid reads cached features, so the stage computes none)."""
    if not tokens:
        return 0.0
    infer_flops = throughput.for_run(reads_lm_head=False)[1]
    return 2 * parameters * tokens / infer_flops + throughput.stage_overhead_s


def describe(costs: Sequence[RunCost], shared: float, throughput: Throughput) -> list[str]:
    """Lines the plan stage prints: runs per method, steps, and the estimated wall time."""
    by_method = Counter(c.run.method for c in costs)
    lines = [
        f"plan: {len(costs)} runs ({sum(c.run.spec.is_trained for c in costs)} to train): "
        + ", ".join(f"{m} {n}" for m, n in by_method.items())
    ]
    for method in by_method:
        mine = [c for c in costs if c.run.method == method]
        sizes = sorted({c.run.size for c in mine if c.run.size})
        hours = sum(c.seconds for c in mine) / 3600
        detail = f"sizes {sizes[0]}..{sizes[-1]}" if sizes else "no training data"
        if mine[0].run.spec.is_trained:
            detail += f", {min(c.steps for c in mine)}..{max(c.steps for c in mine)} steps"
            detail += f", {min(c.epochs for c in mine):.1f}+ epochs"
        runs = f"{len(mine):>4} run" + ("s" if len(mine) != 1 else " ")
        lines.append(f"  {method:<14} {runs}  {detail:<50} ~{_duration(hours)}")
    total = (sum(c.seconds for c in costs) + shared) / 3600
    lines.append(
        f"estimated {_duration(total)} on {throughput.device} ({throughput.machine}) before "
        "cached stages are skipped; stop now (Ctrl-C) if that is more than you meant. README "
        "'Which command' lists smaller presets."
    )
    return lines


def grid_summary(grid) -> str:
    """The grid in one line: `grid: head_full at 10, 100 points x 2 seeds; prompt (instruct) at
    10, 100 points x 2 seeds; icl_zero (instruct)` (the README quotes the presets' lines)."""

    def axes(f, what: str) -> str:
        text = what
        if f.patterns:
            text += f" ({', '.join(f.patterns)})"
        if f.sizes:
            seeds = f"{len(f.seeds)} seed" + ("s" if len(f.seeds) != 1 else "")
            text += f" at {', '.join(map(str, f.sizes))} points x {seeds}"
        return text

    parts = []
    for name in FAMILY_AXES:
        methods = list(dict.fromkeys(r.method for r in grid.family_runs(name)))
        if methods:
            parts.append(axes(grid.family(name), " and ".join(methods)))
    return "grid: " + "; ".join(parts)


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def plan_record(costs: Sequence[RunCost], parameters: int, article: float, measured: dict,
                shared: float) -> dict:  # fmt: skip
    """data/plan.json: every run with its steps, examples, tokens and estimated seconds."""
    return {
        "model_parameters": parameters,
        "mean_article_tokens": round(article, 1),
        "throughput": measured,
        "estimated_hours": round((sum(c.seconds for c in costs) + shared) / 3600, 2),
        "runs": [
            {"run": c.run.name, "steps": c.steps, "examples": c.examples,
             "epochs": round(c.epochs, 2), "train_tokens": c.train_tokens,
             "read_tokens": c.read_tokens, "seconds": round(c.seconds, 1)}
            for c in costs
        ],
    }  # fmt: skip
