""" "How to read it", written from the outputs: every number in these sentences comes from
metrics/summary.json and metrics/curves.csv, and every comparison word ("above", "capped",
"crosses") is computed, so the prose cannot contradict the tables beside it.

Pure functions of the summary and the per-run curves; tools/results.py puts the sentences into
the README and docs/results.md.
"""

from __future__ import annotations

import pandas as pd

from promptworth.analysis.advantage import envelope
from promptworth.analysis.wording import advantage_text, bound_spread_text, stopping_text


def shared_range(curves: pd.DataFrame, prompt: str, baseline: str) -> tuple[float, float] | None:
    """The accuracy range both best-run envelopes reach (the advantage's levels lie inside it)."""
    runs = [curves[curves["series"] == name] for name in (prompt, baseline)]
    if any(r.empty for r in runs):
        return None
    (_, pa), (_, ba) = (envelope(r) for r in runs)
    low, high = max(pa[0], ba[0]), min(pa[-1], ba[-1])
    return (float(low), float(high)) if low < high else None


def mean_at(summary: dict, series: str) -> dict[int, float]:
    """Mean test accuracy over seeds at each size of one series."""
    cells = summary["accuracy"].get(series, {})
    return {int(size): cell["accuracy_mean"] for size, cell in cells.items()}


def _sizes(sizes: list[int]) -> str:
    names = [f"{s:,}" for s in sorted(sizes)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def lead_sentence(summary: dict, prompt: str, baseline: str) -> str:
    """Where one seed-mean curve is above the other, and whether they cross."""
    p, b = mean_at(summary, prompt), mean_at(summary, baseline)
    sizes = sorted(set(p) & set(b))
    if not sizes:
        return ""
    ahead = [s for s in sizes if p[s] > b[s]]
    behind = [s for s in sizes if p[s] <= b[s]]
    first, last = sizes[0], sizes[-1]
    text = (
        f"Seed means: {prompt} {p[first]:.3f} against {baseline} {b[first]:.3f} at {first:,} "
        f"points, {p[last]:.3f} against {b[last]:.3f} at {last:,}; "
    )
    if not behind:
        return text + f"{prompt} is ahead at every size of the grid ({_sizes(sizes)})."
    if not ahead:
        return text + f"{baseline} is level or ahead at every size ({_sizes(sizes)})."
    crossed = behind[-1] == last and all(s in behind for s in sizes if s >= behind[0])
    text += f"{prompt} is ahead at {_sizes(ahead)} and level or behind at {_sizes(behind)}"
    return text + (" (the curves cross)." if crossed else ".")


def cap_sentence(result: dict, prompt: str, baseline: str) -> str:
    """Is the headline an answer, a bound, or undefined?"""
    if result is None:
        return ""
    if result.get("advantage") is None:
        return (
            "The curves share no accuracy range, so there is no advantage to average, only "
            "the bound above."
        )
    if "truncation" not in result:  # a summary written before the report stated caps
        return ""
    cut = result["truncation"]
    if not cut:
        return (
            f"Not capped by the grid: {baseline}'s best run reaches {prompt}'s best, so the "
            "average covers every accuracy the prompt reaches."
        )
    low, high = cut["left_out"]
    if cut["capped_by"] == "baseline":
        stopping = result.get("stopping")
        # A summary from before the stopping rule (protocol v1) names no next step of its own.
        step = (
            stopping_text(stopping)
            if stopping
            else "its protocol (v1) had no stopping rule; protocol v2 (protocols/v2.md) grows "
            "the grid until an answer, the pool or its size limit"
        )
        spread = bound_spread_text(result.get("bound_uncertainty")).removeprefix("; ")
        return (
            f"**A bound, not the answer:** {baseline}'s best run ({low:.3f}, by "
            f"{cut['largest_size']:,} points) stays below {prompt}'s best ({high:.3f}), so the "
            f"levels {low:.3f}-{high:.3f} ({cut['left_out_share']:.0%} of the range) are left "
            f"out; counting {baseline} at {cut['largest_size']:,} points where it never gets, the "
            f"advantage over the prompt's whole range is at least {cut['at_least']:.0f} points"
            + (f" ({spread})" if spread else "")
            + f". {step[:1].upper()}{step[1:]}."
        )
    answer = (result.get("stopping") or {}).get("status") == "answer"
    return (
        f"{prompt}'s best run ({low:.3f}, by {cut['largest_size']:,} points) stays below "
        f"{baseline}'s ({high:.3f}): the curves cross, and over the baseline's whole range the "
        f"advantage is at most {cut['at_most']:.0f} points."
        + (
            f" {baseline} reaches {prompt}'s best, so under protocol v2's stopping rule the "
            "advantage above is the answer."
            if answer
            else ""
        )
    )


def interval_sentence(result: dict) -> str:
    """Which intervals exclude zero, said from the numbers."""
    if result is None or result.get("advantage") is None:
        return ""
    parts = []
    for key, name in (("bootstrap", "over runs"), ("bootstrap_rows", "over test rows and runs")):
        boot = result.get(key) or {}
        if boot.get("low") is None:
            continue
        side = "excludes" if boot["low"] > 0 or boot["high"] < 0 else "includes"
        parts.append(
            f"the bootstrap interval {name} [{boot['low']:.0f}, {boot['high']:.0f}] {side} 0"
        )
    seed_mean = result.get("seed_mean_advantage")
    text = ("; ".join(parts) + ". ") if parts else ""
    if seed_mean is not None:
        text += (
            f"Read from seed-mean curves instead of the best run per size, the advantage is "
            f"{seed_mean:.1f} points (against {result['advantage']:.1f})."
        )
    return (text[:1].upper() + text[1:]).strip()


def zero_shot_sentence(summary: dict, zero_shot: str, trained: list[str]) -> str:
    """Where the untrained prompt sits against each trained method's smallest size."""
    z = mean_at(summary, zero_shot)
    if not z:
        return ""
    value = next(iter(z.values()))
    parts = []
    for name in trained:
        means = mean_at(summary, name)
        if not means:
            continue
        smallest = min(means)
        word = "above" if value > means[smallest] else "at or below"
        parts.append(f"{word} {name}'s {smallest:,}-point mean ({means[smallest]:.3f})")
    return f"The zero-shot prompt ({zero_shot}) scores {value:.3f}: " + ", ".join(parts) + "."


def readings_sentence(summary: dict, family: str = "prompt") -> str:
    """Which reading of a fine-tuned family is best, and how often generation maps to nothing."""
    series = [s for s in summary["accuracy"] if s.split("/")[0] == family]
    if len(series) < 2:
        return ""
    means = {s: mean_at(summary, s) for s in series}
    sizes = sorted(set.intersection(*(set(m) for m in means.values())))
    if not sizes:
        return ""
    wins = {s: 0 for s in series}
    for size in sizes:
        wins[max(series, key=lambda s: means[s][size])] += 1
    best = max(wins, key=wins.get)
    text = (
        f"Of {family}'s readings, {best} has the highest mean at {wins[best]} of {len(sizes)} sizes"
    )
    none = [
        (cell["none_rate_mean"], s, int(size))
        for s in series
        for size, cell in summary["accuracy"][s].items()
    ]
    rate, where, size = max(none)
    if rate > 0:
        text += (
            f"; generation maps to no label at most {rate:.1%} of rows ({where}, {size:,} points)"
        )
    return text + "."


def headline_sentence(summary: dict, curves: pd.DataFrame) -> str:
    """The headline pair's advantage, its leave-one-run-out std and the range it averages over."""
    head = summary["headline"]
    prompt, baseline = head["comparison"].split(" vs ")
    if head.get("advantage") is None:
        return f"**{head['comparison']}:** {advantage_text(head)}."
    text = f"**{head['comparison']}: {head['advantage']:.1f} points"
    if head.get("loo_std") is not None:
        text += f" +- {head['loo_std']:.1f}** (Le Scao & Rush's leave-one-run-out std)"
    else:
        text += "**"
    span = shared_range(curves, prompt, baseline)
    if span:
        text += (
            f", averaged over the accuracies both curves reach, {span[0]:.3f} to {span[1]:.3f} "
            "(best run per size, running maximum)"
        )
    return text + "."


def how_to_read(summary: dict, curves: pd.DataFrame, zero_shot: str = "icl_zero/rank") -> list[str]:
    """Paragraphs (blank lines between) for under the results: the headline pair, whether it is
    capped, its intervals, the seed-mean curves, the other baselines, the zero-shot prompt and
    the readings."""
    head = summary["headline"]
    prompt, baseline = head["comparison"].split(" vs ")
    others = [
        (name, result)
        for name, result in summary["data_advantage"].items()
        if name.startswith(prompt + " vs ") and name != head["comparison"]
    ]
    trained = [baseline, *[name.split(" vs ")[1] for name, _ in others], prompt]
    paragraphs = [
        headline_sentence(summary, curves),
        cap_sentence(head, prompt, baseline),
        interval_sentence(head),
        lead_sentence(summary, prompt, baseline),
        *[f"{name}: {advantage_text(result)}." for name, result in others],
        zero_shot_sentence(summary, zero_shot, trained),
        readings_sentence(summary),
    ]
    lines: list[str] = []
    for paragraph in filter(None, paragraphs):
        lines += [paragraph, ""]
    return lines[:-1]
