"""Stage `report`: aggregate every run of the grid into metrics and a report.

Writes metrics/summary.json (DVC metrics: scores and data advantages only, reproducible),
metrics/curves.csv (DVC plots), reports/learning_curves.png, reports/report.md and
reports/cost.csv (wall time and memory: measured, so never in metrics/).
"""

from pathlib import Path

import pandas as pd

from promptworth.analysis.plots import plot_learning_curves
from promptworth.analysis.render import describe_test_rows, render_markdown
from promptworth.analysis.report import advantages, pattern_spread
from promptworth.analysis.results import (
    collect_cost,
    collect_runs,
    labelled_budget,
    main_pattern_rows,
    row_correctness,
    summarise,
    summarise_cost,
)
from promptworth.analysis.stopping import stopping_status
from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.io import atomic_path, read_json, write_json
from promptworth.core.paths import COST, CURVES, EVAL, PLOT, RAW, REPORT, RUN_LOGS, RUNS, SUMMARY
from promptworth.data.runs import load_class_names


def main() -> None:
    params = load_params()
    r = params.report
    # Runs of the grid the read stage found no scores for (a slice another machine has not
    # pushed yet): reported as missing, every number from the runs present.
    missing = read_json(EVAL / "missing.json")
    runs = [run for run in params.grid.runs() if run.name not in missing]
    every_pattern = collect_runs(EVAL, runs, RUNS, r.pilot_dev_rows)
    curves = main_pattern_rows(every_pattern, r.main_pattern)
    summary = summarise(curves)
    prompt_side, baseline = f"prompt/{r.prompt_reading}", f"{r.baseline}/argmax"
    headline = f"{prompt_side} vs {baseline}"
    main_runs = [run for run in runs if run.pattern in (None, r.main_pattern)]
    rows = row_correctness(EVAL, main_runs, load_class_names())
    advantage = advantages(
        curves,
        r.accuracy_levels,
        r.bootstrap_resamples,
        r.bootstrap_seed,
        rows,
        {headline},
        progress=lambda line: print(f"report: {line}", flush=True),
        # The training pool the sizes are drawn from: what a capped comparison can run next.
        pool=len(pd.read_parquet(RAW / "train.parquet", columns=["label"]))
        - params.sample.dev_size,
    )
    if headline not in advantage:
        print(f"report: headline {headline!r} not computed: the grid does not run both methods")
    else:  # protocol v2's stopping rule: an answer, more than the pool, a bound at the limit
        advantage[headline]["stopping"] = stopping_status(advantage[headline], r.size_limit)
    spread = pattern_spread(every_pattern, r.main_pattern)
    cost = collect_cost(runs, RUNS, EVAL, RUN_LOGS)
    with atomic_path(CURVES) as tmp:
        every_pattern.to_csv(tmp, index=False)
    with atomic_path(COST) as tmp:
        cost.to_csv(tmp, index=False)
    write_json(
        SUMMARY,
        {
            "accuracy": summary,
            "data_advantage": advantage,
            "headline": {"comparison": headline, **(advantage.get(headline) or {})},
            "pattern_spread": spread,
            **({"missing_runs": missing} if missing else {}),
        },
    )
    n_test = int(curves["n"].iloc[0])
    pattern = f", pattern {r.main_pattern}" if r.main_pattern else ""
    title = f"{Path(params.model_name).name} on {Path(params.data.source).name}{pattern}"
    plot_learning_curves(curves, PLOT, title, (prompt_side, baseline), advantage.get(headline))
    main_cost = summarise_cost(main_pattern_rows(cost, r.main_pattern))
    first = main_runs[0].name
    test_rows = describe_test_rows(
        pd.read_csv(EVAL / first / "predictions.csv")["label"].tolist(),
        pd.read_parquet(RAW / "test.parquet")["label"].tolist(),
        load_class_names(),
        params.sample.test_size is not None,
    )
    text = render_markdown(
        summary, advantage, headline, n_test, main_cost, spread, labelled_budget(curves), test_rows,
        missing, cost["machine"].value_counts().to_dict(),
    )  # fmt: skip
    with atomic_path(REPORT) as tmp:
        tmp.write_text(text)
    print(f"report: {len(curves)} run readings; headline {headline}: {advantage.get(headline)}")
    if missing:
        print(f"report: {len(missing)} runs of the grid missing here: {', '.join(missing)}")


if __name__ == "__main__":
    run_stage(main)
