"""When the curves stop short: the bounds a cut grid gives, their next size, and the figure
behind "at least N points" that the bound's intervals are computed on.

The data advantage averages over the accuracy range both curves reach. A grid that ends before
the baseline reaches the prompt's best leaves the prompt's top out: there the advantage is a
bound, and protocol v2's stopping rule (analysis/stopping.py) says what to run next.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from promptworth.analysis.advantage import accuracy_levels, envelope, points_needed


def prompt_range_advantage(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int
) -> float:
    """The advantage over the prompt's whole accuracy range above the shared start, the baseline
    counted at its largest size at the levels it never reaches: a lower bound of the advantage
    when the baseline is capped, the advantage itself when it is not (its range then holds the
    prompt's). The quantity behind the report's "at least N points", so its intervals are the
    bound's own. NaN when the prompt's curve ends at or below the baseline's start."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    low = max(pa[0], ha[0])
    if not low < pa[-1]:
        return float("nan")
    return _gap_counting_largest(ps, pa, hs, ha, low, pa[-1], levels)


def _gap_counting_largest(ps, pa, hs, ha, low: float, top: float, levels: int) -> float:
    """Mean over `levels` accuracies inside (low, top) of the points the head needs less the
    points the prompt needs, a curve that never reaches a level counted at its largest size
    there: the one computation behind both bounds of `truncation` and the capped figure of
    prompt_range_advantage (only the curve that stops short ever misses a level)."""
    grid = accuracy_levels(low, top, levels)
    head_needs = points_needed(hs, ha, grid)
    prompt_needs = points_needed(ps, pa, grid)
    return float(np.mean(np.where(np.isnan(head_needs), hs[-1], head_needs)
                         - np.where(np.isnan(prompt_needs), ps[-1], prompt_needs)))  # fmt: skip


def advantage_bound(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, pool: int | None = None
) -> dict | None:
    """What can be said when the curves share no accuracy range. If the prompt's worst point
    (its smallest size) is at least the head's best, the head never catches up within its sizes:
    the prompt is worth at least (the size where the head first reaches the prompt's smallest-
    size accuracy, if it ever does, else the head's largest size - the prompt's smallest size)
    points, and the head's next size (`next_size`, never beyond the `pool`) is where to try it
    next. The mirror case (the head's smallest size already matches the prompt's best) bounds
    it from above by (head's smallest size - the size where the prompt first reaches it, else
    its largest), zero or negative. None when the curves do overlap."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    if pa[0] >= ha[-1]:
        # A head that ties the prompt's first point does so first at some size, maybe well
        # below its largest (the envelope is flat after): that size is what it needs.
        reached = points_needed(hs, ha, pa[0])[0]
        return {
            "at_least": float((reached if np.isfinite(reached) else hs[-1]) - ps[0]) + 0.0,
            "largest_size": int(hs[-1]),
            **_next(hs[-1], pool),
        }
    if ha[0] >= pa[-1]:
        reached = points_needed(ps, pa, ha[0])[0]
        needs = reached if np.isfinite(reached) else ps[-1]
        return {"at_most": float(hs[0] - needs) + 0.0}  # + 0.0: never "-0"
    return None


# How a grid grows (protocol v2's stopping rule): the 1-2-5 ladder up to DOUBLING_FROM points
# (10, 20, 50, 100, 200, 500: the v1 sizes, reproduced), then twice the largest size each time
# (1,000, 2,000, 4,000, ...) until the answer, the pool or the protocol's size limit.
LADDER = (1, 2, 5)
DOUBLING_FROM = 500


def next_size(largest: float) -> int:
    """The size the protocol runs after `largest`: the next of the 1-2-5 ladder below 500
    points (200 -> 500), twice the largest from there (500 -> 1,000, 2,000 -> 4,000)."""
    if largest >= DOUBLING_FROM:
        return int(2 * largest)
    decade = 10 ** int(np.floor(np.log10(largest)))
    candidates = [decade * scale * b for scale in (1, 10) for b in LADDER]
    return int(next(c for c in candidates if c > largest))


def truncation(
    prompt_runs: pd.DataFrame, head_runs: pd.DataFrame, levels: int, pool: int | None = None
) -> dict | None:
    """What the grid's end hides, when the curves overlap but one stops below the other's best.

    The advantage averages over the accuracy range both curves reach. If the baseline's best
    (at its largest size) is below the prompt's best, the levels between them are left out:
    there the baseline needs more than its largest size, so counting it at its largest size gives
    a lower bound of the advantage over the prompt's whole range (`at_least`); the mirror case
    (the prompt stops below the baseline's best) gives an upper bound (`at_most`). None when
    neither curve stops short (the shared range is each curve's whole range above the other's
    start) or when the curves share no range (advantage_bound covers that).

    `next_size` is what to run next (next_size: the 1-2-5 ladder below 500 points, doubling
    from there), but never more than the training `pool` (then `next_is_pool`); None when the
    capped curve already had the whole pool (the answer is more than the pool holds)."""
    ps, pa = envelope(prompt_runs)
    hs, ha = envelope(head_runs)
    low = max(pa[0], ha[0])
    if not low < min(pa[-1], ha[-1]) or pa[-1] == ha[-1]:
        return None
    top = max(pa[-1], ha[-1])
    # The side that stops short needs more than its largest size above its best: counted there.
    gap = _gap_counting_largest(ps, pa, hs, ha, low, top, levels)
    if ha[-1] < pa[-1]:  # the baseline stops short
        side, largest = "at_least", hs[-1]
    else:  # the prompt stops short
        side, largest = "at_most", ps[-1]
    return {
        side: round(gap, 3) + 0.0,
        "capped_by": "baseline" if side == "at_least" else "prompt",
        "left_out": [round(float(min(pa[-1], ha[-1])), 4), round(float(top), 4)],
        "left_out_share": round(float((top - min(pa[-1], ha[-1])) / (top - low)), 3),
        "largest_size": int(largest),
        **_next(largest, pool),
    }


def _next(largest: float, pool: int | None) -> dict:
    """What the protocol can run next above `largest`: next_size, or the pool."""
    if pool is not None and largest >= pool:
        return {"next_size": None, "pool": int(pool)}
    following = next_size(largest)
    if pool is not None and following > pool:
        return {"next_size": int(pool), "pool": int(pool), "next_is_pool": True}
    return {"next_size": following, **({"pool": int(pool)} if pool is not None else {})}


def next_step_text(cut: dict) -> str:
    """How the report says where a capped comparison goes next: the protocol's next size (not a
    claim that it decides anything: only running it says), or the pool."""
    if cut["next_size"] is None:
        return (f"the capped side already had the whole training pool ({cut['pool']:,} points): "
                "the answer is more than the pool holds")  # fmt: skip
    if cut.get("next_is_pool"):
        return f"the whole pool ({cut['next_size']:,} points) is the largest size left to try"
    return f"{cut['next_size']:,} points is the protocol's next size to try"
