"""Protocol v2's convergence check: does the training rule give each method enough steps?

At the largest size of a grid, head_full and the prompt are scored on the dev rows at their last
step: the grid's seeds under the rule, and one seed again with twice the steps (`train.epochs`
doubled, nothing else changed). If either gains more dev accuracy than the spread of its own
seeds there (sample std, ddof 1), the rule is compute-capped and the protocol doubles the steps
for every method; otherwise the rule stands. Dev rows, never test rows: the check chooses a
step count, and test rows choose nothing. One seed and a threshold of one seed std are the
protocol's own choice: the check asks whether more steps matter on the scale the curve is read
at, not whether they matter at all.

A reading is a run's train.json: its method, size, seed, epochs, learning rates and `kept_dev`
(the dev accuracy at the kept step, which for these runs is the last). The training-time dev
reading ranks the label words for a prompt and takes the argmax for a head (the method's declared
reading), so a method's reading stands for that series of the curves.
"""

from __future__ import annotations

import pandas as pd

from promptworth.config.methods import find_method


def series_name(record: dict) -> str:
    """The curves' series a run's dev reading stands for, e.g. prompt/rank: the method's own
    reading (a trainer's dev accuracy reads its model as the method's readout does)."""
    return f"{record['method']}/{find_method(record['method']).reading}"


def dev_readings(records: list[dict]) -> pd.DataFrame:
    """One row per run's train.json record: series, size, seed, epochs, the learning rates and
    the dev accuracy at the kept step (`accuracy`). A record without a dev reading (a run from
    before v2's grid runs read the dev rows) is an error that names the run."""
    rows = []
    for record in records:
        dev = record.get("kept_dev") or {}
        if "dev_accuracy" not in dev:
            raise ValueError(
                f"{record.get('run', '?')}: its train.json holds no dev reading (kept_dev); "
                "re-run it with train.early_stopping.patience=1000000 and eval_interval=1000000"
            )
        if record.get("chosen_step") != record.get("steps"):
            raise ValueError(
                f"{record['run']}: kept step {record.get('chosen_step')} of "
                f"{record.get('steps')}: the check reads the last step"
            )
        rows.append(
            {
                "run": record["run"],
                "series": series_name(record),
                "size": int(record["size"]),
                "seed": int(record["seed"]),
                "epochs": float(record["epochs"]),
                # as text: a head rate of None stays comparable (pandas would make it NaN)
                "rates": f"{record.get('learning_rate')} / head {record.get('head_learning_rate')}",
                "accuracy": float(dev["dev_accuracy"]),
            }
        )
    return pd.DataFrame(rows)


def same_training(reading: dict, grid_run: dict) -> bool:
    """Whether a re-run with a dev reading trained exactly as the grid's run (the same training
    loss at every step: the same batches, the same updates, the same weights)."""
    losses = [[h["train_loss"] for h in r["history"]] for r in (reading, grid_run)]
    return losses[0] == losses[1]


def convergence_check(standard: pd.DataFrame, doubled: pd.DataFrame, series: list[str]) -> dict:
    """For each of `series` (e.g. prompt/rank, head_full/argmax): the doubled-steps reading (the
    one seed in `doubled`, at its size) against the same seed and size in `standard`, and the
    std over `standard`'s seeds there. Both frames are dev_readings' rows (series, size, seed,
    epochs, rates, accuracy); the doubled reading must have twice the standard's epochs
    and the same learning rates. `converged` holds when no series gains more than its std."""
    checked = {}
    for name in series:
        longer = doubled[doubled["series"] == name]
        if len(longer) != 1:
            raise ValueError(
                f"the doubled-steps readings need exactly one run of {name!r}, found {len(longer)}"
            )
        run = longer.iloc[0]
        same_size = standard[(standard["series"] == name) & (standard["size"] == run["size"])]
        same_seed = same_size[same_size["seed"] == run["seed"]]
        if same_seed.empty or len(same_size) < 2:
            raise ValueError(
                f"the standard readings need {name!r} at {run['size']} points with seed "
                f"{run['seed']} and at least one other seed (found seeds "
                f"{sorted(same_size['seed'].tolist())})"
            )
        if same_size["epochs"].nunique() != 1 or run["epochs"] != 2 * same_size["epochs"].iloc[0]:
            raise ValueError(
                f"{name!r}: the doubled run has {run['epochs']:g} epochs, the standard runs "
                f"{sorted(same_size['epochs'].unique().tolist())}: it needs twice one rule's"
            )
        if (same_size["rates"] != run["rates"]).any():
            raise ValueError(
                f"{name!r}: the runs differ in their learning rates "
                f"({sorted({*same_size['rates'], run['rates']})}); only the steps may"
            )
        base = float(same_seed.iloc[0]["accuracy"])
        gain = float(run["accuracy"]) - base
        seed_std = float(same_size["accuracy"].std(ddof=1))
        checked[name] = {
            "size": int(run["size"]),
            "seed": int(run["seed"]),
            "epochs": [float(same_size["epochs"].iloc[0]), float(run["epochs"])],
            "seeds": sorted(int(s) for s in same_size["seed"]),
            "standard": round(base, 4),
            "doubled": round(float(run["accuracy"]), 4),
            "gain": round(gain, 4),
            "seed_std": round(seed_std, 4),
            "more_than_seed_std": gain > seed_std,
        }
    return {
        "rows": "dev",
        "series": checked,
        "converged": not any(c["more_than_seed_std"] for c in checked.values()),
    }


def verdict_lines(check: dict) -> list[str]:
    """The check as a markdown table (dev accuracy) and the protocol's consequence."""
    lines = [
        "| series | size | seed | epochs | dev accuracy | twice the steps | gain "
        "| seed std (seeds) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in check["series"].items():
        seeds = ", ".join(str(s) for s in c.get("seeds", []))
        epochs = "{:g} / {:g}".format(*c["epochs"]) if "epochs" in c else ""
        lines.append(
            f"| {name} | {c['size']:,} | {c['seed']} | {epochs} | {c['standard']:.3f} "
            f"| {c['doubled']:.3f} | {c['gain']:+.3f} | {c['seed_std']:.3f} ({seeds}) |"
        )
    lines.append("")
    lines.append(
        "Converged: no method gains more dev accuracy than its seed std with twice the steps; "
        "the rule stands."
        if check["converged"]
        else "Not converged: a method gains more dev accuracy than its seed std with twice the "
        "steps; the protocol doubles the steps (train.epochs) for every method and re-runs the "
        "grid."
    )
    return lines
