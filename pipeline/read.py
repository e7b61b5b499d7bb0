"""Stage `read`: every run's readings from its saved scores, with no model.

Reads data/runs/<run>/scores.csv and scores.json (written by the run stages) and writes
data/eval/<run>/metrics.json (accuracy, macro-F1, none-rate and confusion matrix per reading,
tokens processed) and predictions.csv (one row per test row). Argmax of a head, rank, rank_norm
and rank_cal of an LM, and each verbaliser of eval.verbalisers over the generations: changing a
verbaliser or its threshold re-runs this stage and the report, never a training.

A run of the grid with no saved scores here (a slice another machine runs and has not pushed,
docs/pipeline.md "Several machines") is listed in data/eval/missing.json, not an error: the
report then says which runs it lacks.
"""

from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.io import atomic_path, write_json
from promptworth.core.paths import EVAL, RUNS
from promptworth.data.runs import SCORES_JSON, load_class_names, load_scores
from promptworth.readout.readings import read_run


def main() -> None:
    params = load_params()
    names = load_class_names()
    grid = params.grid.runs()
    runs = [run for run in grid if (RUNS / run.name / SCORES_JSON).is_file()]
    missing = [run.name for run in grid if run not in runs]
    with atomic_path(EVAL) as out:
        out.mkdir()
        write_json(out / "missing.json", missing)
        for run in runs:
            metrics, predictions = read_run(load_scores(RUNS / run.name), names, params.eval)
            (out / run.name).mkdir()
            write_json(out / run.name / "metrics.json", metrics)
            predictions.to_csv(out / run.name / "predictions.csv", index=False)
            print(
                f"{run.name}: "
                + "; ".join(f"{r} {s['accuracy']:.3f}" for r, s in metrics["readings"].items())
            )
    print(
        f"read: {len(runs)} runs"
        + (f"; {len(missing)} of the grid missing here" if missing else "")
    )


if __name__ == "__main__":
    run_stage(main)
