"""The report in words: reports/report.md from the summary, the advantages and the costs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from promptworth.analysis.results import COST_COLUMNS
from promptworth.analysis.wording import advantage_text
from promptworth.config.methods import find_method


def format_cell(cell: dict | None) -> str:
    """`0.769 +- 0.020 (3 seeds)`; one seed has no spread to show: `0.859 (1 seed)`."""
    if cell is None:
        return ""
    text = f"{cell['accuracy_mean']:.3f}"
    if cell["accuracy_std"] is not None:
        text += f" +- {cell['accuracy_std']:.3f}"
    text += f" ({cell['seeds']} seed{'s' if cell['seeds'] != 1 else ''})"
    if cell["none_rate_mean"] > 0:
        text += f" [{cell['none_rate_mean']:.2f}]"
    return text


def render_markdown(
    summary: dict,
    advantage: dict,
    headline: str,
    n_test: int,
    cost: pd.DataFrame | None = None,
    spread: dict | None = None,
    budget: pd.DataFrame | None = None,
    test_rows: str = "",
    missing: Sequence[str] = (),
    machines: dict[str, int] | None = None,
) -> str:
    """The human report: accuracy table (mean +- std over seeds) and the data advantages.
    `test_rows`: describe_test_rows's sentence (how the test rows were drawn); `missing`: runs
    of the grid with no scores here; `machines`: runs per machine they ran on."""
    sizes = sorted({int(s) for series in summary.values() for s in series})
    lines = [
        "# promptworth report",
        "",
        f"Test accuracy on {n_test} held-out rows, mean +- sample std (ddof=1) over seeds, with",
        "the number of seeds per cell; a cell of one seed shows no spread. Main pattern (heads",
        "read none); none-rate in brackets where a verbaliser left generations unmapped. Size 0:",
        "icl_zero, which uses no training data.",
        "",
        *([test_rows, ""] if test_rows else []),
        *([missing_sentence(missing), ""] if missing else []),
        "| method/reading | " + " | ".join(str(s) for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for series, by_size in summary.items():
        cells = [format_cell(by_size.get(str(s))) for s in sizes]
        lines.append(f"| {series} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Data advantage",
        "",
        "Average horizontal gap between the curves over the accuracy range both reach (Le Scao &",
        "Rush 2021): how many more training points the baseline (right of 'vs') needs to match",
        "the prompt side. Each curve is the best run per size, made monotone; the gap is averaged",
        "over accuracy levels spread inside the shared range (both ends excluded). Negative: the",
        "baseline needs fewer. Error bars over whole runs (a run: one seed's points): +- is Le",
        "Scao & Rush's leave-one-run-out std (one run of each method left out at the same time,",
        "every pair, np.std with ddof=0; the pairs are named in metrics/summary.json), and a",
        "percentile bootstrap interval (each method's runs resampled with replacement). Where the",
        "curves share no accuracy range the advantage is undefined; a bound is given instead.",
        "",
        f"Headline: **{headline}**: " + advantage_text(advantage.get(headline)) + ".",
        "",
        "In log space: the prompt at n points matches the head at k x n points (k averaged as",
        "log10 k over the same accuracy levels; +- is the leave-one-run-out std of log10 k).",
        "",
        "| comparison | points saved | +- LOO std | 95% bootstrap | runs | k (log space) "
        "| +- LOO std of log10 k |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, res in advantage.items():
        mark = "**" if name == headline else ""
        boot = res.get("bootstrap") or {}
        saved = "" if res["advantage"] is None else f"{res['advantage']:.1f}"
        if res["advantage"] is None and res.get("bound"):
            bound = res["bound"]
            saved = (
                ("not measured" if bound["at_least"] <= 0 else f">= {bound['at_least']:.0f}")
                if "at_least" in bound
                else (f"<= {bound['at_most']:.0f}")
            )
        cells = [
            saved,
            "" if res["loo_std"] is None else f"{res['loo_std']:.1f}",
            "" if boot.get("low") is None else f"[{boot['low']:.0f}, {boot['high']:.0f}]",
            " / ".join(map(str, res.get("runs", []))),
            "" if res.get("ratio") is None else f"{res['ratio']:.2f}",
            "" if res.get("log10_ratio_loo_std") is None else f"{res['log10_ratio_loo_std']:.3f}",
        ]
        lines.append(f"| {mark}{name}{mark} | " + " | ".join(cells) + " |")
    if budget is not None and len(budget):
        uses_dev = budget[budget["dev_rows"] > 0]
        lines += ["", "## Labelled data per point", ""]
        if uses_dev.empty:
            lines.append(
                "No run read dev rows for any choice (fixed steps, one learning rate): each "
                "point's labelled budget is its training rows, the x axis."
            )
        else:
            lines += [
                "Dev rows that a run's choices read (early stopping, a learning rate picked on",
                "dev accuracy) are labelled data too; beside each point's training rows:",
                "",
                "| method | training rows | dev rows used | labelled rows |",
                "|---|---|---|---|",
            ]
            for row in uses_dev.itertuples(index=False):
                lines.append(
                    f"| {row.method} | {row.size} | {row.dev_rows} | {row.labelled_rows} |"
                )
    if spread:
        lines += [
            "",
            "## Spread across patterns",
            "",
            "Mean accuracy per pattern (over its seeds), the std across those pattern means, and",
            "beside it the std across seeds of the main pattern (both ddof=1).",
            "",
            "| method/reading | size | per pattern | std across patterns "
            "| std across seeds (main) |",
            "|---|---|---|---|---|",
        ]
        for series, by_size in spread.items():
            for size, c in by_size.items():
                per = ", ".join(f"{k} {v:.3f}" for k, v in c["by_pattern"].items())
                seed_std = "" if c["main_seed_std"] is None else f"{c['main_seed_std']:.3f}"
                seed_std += f" ({c['main_seeds']} seeds)"
                lines.append(f"| {series} | {size} | {per} | {c['pattern_std']:.3f} | {seed_std} |")
    if cost is not None and len(cost):
        lines += [
            "",
            "## Cost",
            "",
            "Mean per run of the main pattern, beside its accuracy (main reading): trainable",
            "parameters, optimiser steps run and the step kept by early stopping, real tokens",
            "through the model in training and evaluation, wall time, peak memory (GPU",
            "allocations on CUDA, resident set size on CPU). Wall time and memory are measured,",
            "so they differ between identical runs (they are in reports/cost.csv, never in",
            "metrics/). head_frozen's LM tokens for its dev and test rows are spent once, by the",
            "features stage.",
            "",
            *(
                ["Ran on: " + "; ".join(f"{m}, {n} runs" for m, n in sorted(machines.items())), ""]
                if machines
                else []
            ),
            "| method | pattern | size | accuracy | trainable params | steps | kept step "
            "| epochs (kept) | train tokens | eval tokens | train s | train peak MiB | eval s "
            "| eval peak MiB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in cost.itertuples(index=False):
            acc = _main_accuracy(summary, row.method, str(row.size))
            cells = [acc] + [_fmt(getattr(row, k)) for k in COST_COLUMNS]
            lines.append(
                f"| {row.method} | {row.pattern} | {row.size} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines) + "\n"


def _main_accuracy(summary: dict, method: str, size: str) -> str:
    """The method's headline reading at a size (argmax for heads, rank for the others)."""
    cell = summary.get(f"{method}/{find_method(method).reading}", {}).get(size)
    return "" if cell is None else f"{cell['accuracy_mean']:.3f}"


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def describe_test_rows(
    used: Sequence[int], in_file: Sequence[int], class_names: Sequence[str], drawn: bool
) -> str:
    """How the test rows were drawn and their class mix beside the file's, with what always
    predicting the commonest class scores on them (the floor a zero-shot number is read
    against). `used`, `in_file`: label ids; `drawn`: sample.test_size chose a subset."""

    def mix(labels: Sequence[int]) -> str:
        counts = [sum(1 for y in labels if y == k) for k in range(len(class_names))]
        return "/".join(f"{c:,}" for c in counts)

    floor = max(sum(1 for y in used if y == k) for k in range(len(class_names))) / len(used)
    how = (
        f"{len(used):,} of the test file's {len(in_file):,}, drawn class-balanced "
        "(`sample.test_size`, as far as each class has rows)"
        if drawn
        else f"the whole test file, {len(in_file):,} rows"
    )
    return (
        f"Test rows: {how}; per class ({'/'.join(class_names)}) {mix(used)}"
        + (f", the file's {mix(in_file)}" if drawn else "")
        + f". Always predicting the commonest class scores {floor:.3f} on them."
    )


def missing_sentence(missing: Sequence[str]) -> str:
    """The report's warning for runs of the grid with no scores here."""
    shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
    return (
        f"**Missing: {len(missing)} runs of the grid have no scores here** (a slice not run here "
        f'or not pulled yet: docs/pipeline.md, "Several machines"): {shown}. Every number '
        "below is from the runs present."
    )
