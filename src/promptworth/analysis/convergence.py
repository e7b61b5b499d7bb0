"""Protocol v2's convergence check: does the training rule give each method enough steps?

At the largest size of a grid, head_full and the prompt are trained again on one seed with
twice the steps (`train.epochs` doubled, nothing else changed). If either gains more test
accuracy than the spread of its own seeds at that size (sample std, ddof 1), the rule is
compute-capped there and the protocol doubles the steps for every method; otherwise the rule
stands. One seed and a threshold of one seed std are the protocol's own choice: the check asks
whether more steps matter on the scale the curve is read at, not whether they matter at all.
"""

from __future__ import annotations

import pandas as pd


def convergence_check(standard: pd.DataFrame, doubled: pd.DataFrame, series: list[str]) -> dict:
    """For each of `series` (e.g. prompt/rank, head_full/argmax): the doubled-steps run (the one
    seed in `doubled`, at its size) against the same seed and size in `standard`, and the std
    over `standard`'s seeds there. Both frames are metrics/curves.csv rows (series, size, seed,
    accuracy). `converged` holds when no series gains more than its seed std."""
    checked = {}
    for name in series:
        longer = doubled[doubled["series"] == name]
        if len(longer) != 1:
            raise ValueError(
                f"the doubled-steps curves need exactly one run of {name!r}, found {len(longer)}"
            )
        size, seed, accuracy = (longer.iloc[0][k] for k in ("size", "seed", "accuracy"))
        same_size = standard[(standard["series"] == name) & (standard["size"] == size)]
        same_seed = same_size[same_size["seed"] == seed]
        if same_seed.empty or len(same_size) < 2:
            raise ValueError(
                f"the standard curves need {name!r} at {size} points with seed {seed} and at "
                f"least one other seed (found seeds {sorted(same_size['seed'].tolist())})"
            )
        gain = float(accuracy - same_seed.iloc[0]["accuracy"])
        seed_std = float(same_size["accuracy"].std(ddof=1))
        checked[name] = {
            "size": int(size),
            "seed": int(seed),
            "standard": round(float(same_seed.iloc[0]["accuracy"]), 4),
            "doubled": round(float(accuracy), 4),
            "gain": round(gain, 4),
            "seed_std": round(seed_std, 4),
            "more_than_seed_std": gain > seed_std,
        }
    return {
        "series": checked,
        "converged": not any(c["more_than_seed_std"] for c in checked.values()),
    }


def verdict_lines(check: dict) -> list[str]:
    """The check as a markdown table and the protocol's consequence."""
    lines = [
        "| series | size | seed | standard steps | twice the steps | gain | seed std |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, c in check["series"].items():
        lines.append(
            f"| {name} | {c['size']:,} | {c['seed']} | {c['standard']:.3f} | {c['doubled']:.3f} "
            f"| {c['gain']:+.3f} | {c['seed_std']:.3f} |"
        )
    lines.append("")
    lines.append(
        "Converged: no method gains more than its seed std with twice the steps; the rule stands."
        if check["converged"]
        else "Not converged: a method gains more than its seed std with twice the steps; the "
        "protocol doubles the steps (train.epochs) for every method and re-runs the grid."
    )
    return lines
