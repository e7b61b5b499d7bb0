"""The data advantage in words: the sentence the report, the README and docs/results.md give
for a comparison, its bound where the grid is cut, the bound's intervals, and what protocol v2's
stopping rule says next."""

from __future__ import annotations

from promptworth.analysis.bounds import next_step_text


def advantage_text(res: dict | None) -> str:
    """`354.3 points +- 214.4 (leave one run out), 95% bootstrap [62, 640]`, or the bound."""
    if res is None:
        return "not computed: the grid lacks one of the two methods"
    if res["advantage"] is None:
        bound = res.get("bound") or {}
        if "at_least" in bound and bound["at_least"] <= 0:
            # Both tried at the same sizes (a task tried by params): "at least 0" says nothing.
            following = bound.get("next_size")
            return (
                "not measured by this grid: the prompt at its smallest size already matches the "
                "baseline's best run, and the baseline was tried at no larger size; run the "
                + (
                    f"baseline at {following:,} points (the protocol's next size)"
                    if following
                    else "baseline at more points"
                )
                + " to say how many the prompt saves"
            )
        if "at_least" in bound:
            return (
                f"at least {bound['at_least']:.0f} points: the prompt's smallest size already "
                "matches the baseline's best run (the curves share no accuracy range)"
            )
        if "at_most" in bound:
            return (
                f"at most {bound['at_most']:.0f} points: the baseline's smallest size already "
                "matches this method's best run (the curves share no accuracy range)"
            )
        return "undefined: the two curves share no accuracy range"
    text = f"{res['advantage']:.1f} points"
    if res["loo_std"] is not None:
        text += f" +- {res['loo_std']:.1f} (leave one run out)"
    boot = res.get("bootstrap") or {}
    if boot.get("low") is not None:
        text += (
            f", {boot['confidence']:.0%} bootstrap interval [{boot['low']:.0f}, {boot['high']:.0f}]"
        )
    elif min(res.get("runs") or [2]) < 2:
        text += " (one run of a method: no error bar; more seeds give one)"
    rows = res.get("bootstrap_rows") or {}
    if rows.get("low") is not None:
        text += f"; over test rows and runs [{rows['low']:.0f}, {rows['high']:.0f}]" + (
            "" if rows.get("stable", True) else " (not yet stable across bootstrap seeds)"
        )
        if "at_least" not in (res.get("truncation") or {}):  # a capped bound says its own share
            text += rows_capped_text(rows)
    if res.get("seed_mean_advantage") is not None:
        text += f"; seed-mean curves {res['seed_mean_advantage']:.1f}"
    return text + truncation_text(
        res.get("truncation"), res.get("bound_uncertainty"), res.get("stopping")
    )


def truncation_text(
    cut: dict | None, spread: dict | None = None, stopping: dict | None = None
) -> str:
    """What the grid's end leaves out, said as a bound (empty when nothing is left out), with
    the bound's own intervals (`spread`: report.bound_uncertainty) and what the stopping rule
    says next (`stopping`: stopping.stopping_status; without it, the next size)."""
    if not cut:
        return ""
    low, high = cut["left_out"]
    if "at_least" in cut:
        return (
            f". Capped by the grid: the baseline's best ({low:.3f}, at {cut['largest_size']:,} "
            f"points) is below the prompt's ({high:.3f}), so accuracies {low:.3f}-{high:.3f} "
            f"({cut['left_out_share']:.0%} of the range) are left out; over the prompt's whole "
            f"range the advantage is at least {cut['at_least']:.0f} points (the baseline counted "
            f"at its largest size where it never gets{bound_spread_text(spread)}); "
            + (stopping_text(stopping) if stopping else next_step_text(cut))
        )
    return (
        f". Capped by the grid: the prompt's best ({low:.3f}, at {cut['largest_size']:,} "
        f"points) is below the baseline's ({high:.3f}); over the baseline's whole range the "
        f"advantage is at most {cut['at_most']:.0f} points (the prompt counted at its largest "
        "size where it never gets); "
        # The baseline passing the prompt's best is the stopping rule's answer: no next size.
        + (stopping_text(stopping) if stopping else next_step_text(cut))
    )


def rows_capped_text(rows: dict) -> str:
    """` (in 39% of those draws the baseline's best stays below the prompt's: ...)`, where the
    test-row draws do not all agree that the baseline reaches the prompt's best."""
    share = rows.get("capped_share")
    if not share:
        return ""
    return (
        f" (in {share:.0%} of those draws the baseline's best stays below the prompt's: there "
        "the figure covers only the accuracies both reach)"
    )


def bound_spread_text(spread: dict | None) -> str:
    """`; 95% over test rows and runs [-20, 512], the baseline capped in 94% of those draws;
    over runs [55, 288], every one of 729 draws`: the bound's intervals, where computed."""
    if not spread:
        return ""
    text = ""
    rows, runs = spread.get("rows") or {}, spread.get("runs") or {}
    if rows.get("low") is not None:
        text += (
            f"; {rows['confidence']:.0%} over test rows and runs [{rows['low']:.0f}, "
            f"{rows['high']:.0f}], the baseline capped in {rows['capped_share']:.0%} of those "
            "draws"
            # Where some draws are uncapped, the figure there is the advantage itself.
            + ("" if rows["capped_share"] == 1 else ", in the others the figure is the advantage")
        )
    if runs.get("low") is not None:
        how = f"every one of {runs['resamples']:,} draws" if runs["method"] == "exact" else (
            f"{runs['resamples']:,} draws")  # fmt: skip
        text += (
            f"; over runs [{runs['low']:.0f}, {runs['high']:.0f}] ({how}, the baseline capped "
            f"in {runs['capped_share']:.0%})"
        )
    return text


def stopping_text(stopping: dict) -> str:
    """What protocol v2's stopping rule makes of a capped comparison."""
    kind = stopping["status"]
    if kind == "pool":
        return (
            f"the baseline already had the whole training pool ({stopping['pool']:,} points): "
            "the answer is more than the pool holds"
        )
    if kind == "limit":
        return (
            f"the protocol's size limit ({stopping['limit']:,} points) is reached, so this is a "
            "bound, not the answer"
        )
    if kind == "continue" and not stopping.get("next_size"):
        return "until a larger size is run this is a bound"
    if kind == "continue":
        return (
            f"the protocol's stopping rule runs {stopping['next_size']:,} points next; until "
            "then this is a bound"
        )
    if kind == "answer":
        return (
            "the baseline reaches the prompt's best, so protocol v2's stopping rule ends the grid "
            "here: the advantage covers the prompt's whole range, and this is the answer"
        )
    return ""
