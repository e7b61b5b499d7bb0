"""Stage `report`: aggregate every run of the current grid into metrics and a report.

Writes metrics/summary.json (DVC metrics), metrics/curves.csv (DVC plots),
reports/learning_curves.png and reports/report.md.
"""

from pathlib import Path

from promptworth.grid import planned_runs
from promptworth.io import atomic_path, write_json
from promptworth.params import load_params
from promptworth.paths import CURVES, EVAL, PLOT, REPORT, SUMMARY
from promptworth.report import (
    advantages,
    collect_runs,
    pattern_spread,
    plot_learning_curves,
    render_markdown,
    summarise,
    summarise_cost,
)


def main() -> None:
    params = load_params()
    r = params.report
    s = params.sample
    t = params.train
    runs = planned_runs(t.methods, t.patterns, s.sizes, s.seeds, t.limits, t.icl.shots)
    every_pattern = collect_runs(EVAL, runs)
    main = t.patterns[0]  # params puts train.main_pattern first
    curves = every_pattern[every_pattern["pattern"] == main].reset_index(drop=True)
    spread = pattern_spread(every_pattern, main)
    summary = summarise(curves)
    advantage = advantages(curves, r.accuracy_levels)
    cost = summarise_cost(curves)
    headline = f"prompt/{r.prompt_reading} vs {r.baseline}/argmax"
    with atomic_path(CURVES) as tmp:
        every_pattern.to_csv(tmp, index=False)
    write_json(
        SUMMARY,
        {
            "accuracy": summary,
            "data_advantage": advantage,
            "headline": advantage.get(headline),
            "pattern_spread": spread,
            "cost": cost,
        },
    )
    n_test = int(curves["n"].iloc[0])
    title = f"{Path(params.model.name).name} on {Path(params.data.source).name}, pattern {main}"
    plot_learning_curves(curves, PLOT, title)
    with atomic_path(REPORT) as tmp:
        tmp.write_text(render_markdown(summary, advantage, headline, n_test, cost, spread))
    print(f"report: {len(curves)} run readings; headline {headline}: {advantage.get(headline)}")


if __name__ == "__main__":
    main()
