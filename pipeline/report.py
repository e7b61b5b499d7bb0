"""Stage `report`: aggregate every run of the current grid into metrics and a report.

Writes metrics/summary.json (DVC metrics), metrics/curves.csv (DVC plots),
reports/learning_curves.png and reports/report.md.
"""

from promptworth.grid import planned_runs
from promptworth.io import atomic_path, write_json
from promptworth.params import load_params
from promptworth.paths import CURVES, EVAL, PLOT, REPORT, SUMMARY
from promptworth.report import (
    advantages,
    collect_runs,
    plot_learning_curves,
    render_markdown,
    summarise,
    summarise_cost,
)


def main() -> None:
    params = load_params()
    r = params.report
    s = params.sample
    runs = planned_runs(params.train.methods, s.sizes, s.seeds, params.train.limits)
    curves = collect_runs(EVAL, runs)
    summary = summarise(curves)
    advantage = advantages(curves, r.accuracy_levels)
    cost = summarise_cost(curves)
    headline = f"prompt/{r.prompt_reading} vs {r.baseline}/argmax"
    with atomic_path(CURVES) as tmp:
        curves.to_csv(tmp, index=False)
    write_json(
        SUMMARY,
        {
            "accuracy": summary,
            "data_advantage": advantage,
            "headline": advantage.get(headline),
            "cost": cost,
        },
    )
    n_test = int(curves["n"].iloc[0])
    plot_learning_curves(curves, PLOT, f"{params.model.name} on {params.data.source}")
    with atomic_path(REPORT) as tmp:
        tmp.write_text(render_markdown(summary, advantage, headline, n_test, cost))
    print(f"report: {len(curves)} run readings; headline {headline}: {advantage.get(headline)}")


if __name__ == "__main__":
    main()
