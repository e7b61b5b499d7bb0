import pandas as pd
import pytest

from promptworth.analysis.render import render_markdown
from promptworth.analysis.report import pattern_spread
from promptworth.analysis.results import summarise
from promptworth.config.methods import comparison_pairs


def rows(method, pattern, reading, accs):
    return pd.DataFrame(
        [
            {
                "series": f"{method}/{reading}",
                "method": method,
                "pattern": pattern,
                "reading": reading,
                "size": size,
                "seed": seed,
                "accuracy": acc,
                "macro_f1": acc,
                "none_rate": 0.0,
                "n": 100,
            }
            for (size, seed), acc in accs.items()
        ]
    )


def test_comparisons_pair_prompt_methods_with_heads_and_the_null_control():
    series = [
        "head_frozen/argmax",
        "head_full/argmax",
        "prompt/rank",
        "prompt/gen_exact",
        "prompt_null/rank",
        "prompt_lora/rank",
        "icl_few/rank_cal",
        "icl_zero/rank",
    ]
    pairs = comparison_pairs(series)
    assert ("prompt/rank", "head_full/argmax") in pairs
    assert ("prompt/rank", "prompt_null/rank") in pairs
    assert ("prompt_lora/rank", "head_frozen/argmax") in pairs
    assert ("icl_few/rank_cal", "head_full/argmax") in pairs
    assert not any(a.startswith(("icl_zero", "prompt_null")) for a, _ in pairs)
    assert ("prompt/gen_exact", "prompt_null/gen_exact") not in pairs  # no such null reading


def test_pattern_spread_sets_the_pattern_std_beside_the_seed_std():
    curves = pd.concat(
        [
            rows("prompt", "a", "rank", {(10, 0): 0.6, (10, 1): 0.8}),  # mean 0.7, seed std 0.1
            rows("prompt", "b", "rank", {(10, 0): 0.5}),  # mean 0.5
            rows("head_full", "a", "argmax", {(10, 0): 0.4}),  # one pattern: no spread
        ]
    )
    spread = pattern_spread(curves, "a")
    assert list(spread) == ["prompt/rank"]
    cell = spread["prompt/rank"]["10"]
    assert cell["by_pattern"] == {"a": 0.7, "b": 0.5}
    assert cell["pattern_std"] == pytest.approx(0.1414, abs=1e-4)  # std(0.7, 0.5), ddof=1
    assert cell["main_seed_std"] == pytest.approx(0.1414, abs=1e-4) and cell["main_seeds"] == 2
    text = render_markdown(summarise(curves), {}, "x vs y", 100, None, spread)
    assert "## Spread across patterns" in text and "| prompt/rank | 10 | a 0.700, b 0.500" in text


def test_a_one_seed_cell_shows_no_spread_and_says_so():
    from promptworth.analysis.render import format_cell

    summary = summarise(
        rows("head_full", "", "argmax", {(10, 0): 0.4, (10, 1): 0.6, (100, 0): 0.8})
    )
    cells = summary["head_full/argmax"]
    assert cells["100"]["accuracy_std"] is None
    assert format_cell(cells["100"]) == "0.800 (1 seed)"
    assert format_cell(cells["10"]) == "0.500 +- 0.141 (2 seeds)"  # ddof=1


def test_every_cost_table_row_fills_every_column_of_its_header():
    from promptworth.analysis.results import COST_COLUMNS

    summary = summarise(rows("head_full", "", "argmax", {(10, 0): 0.4}))
    cost = pd.DataFrame([{"method": "head_full", "pattern": "", "size": 10,
                          **{c: float(k + 1) for k, c in enumerate(COST_COLUMNS)}}])  # fmt: skip
    text = render_markdown(summary, {}, "x vs y", 100, cost)
    table = [line for line in text.splitlines() if line.startswith("| method | pattern | size")]
    row = next(line for line in text.splitlines() if line.startswith("| head_full |  | 10 |"))
    assert table[0].count("|") == row.count("|")
    header = [c.strip() for c in table[0].strip("|").split("|")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[header.index("epochs (kept)")] == _fmt_number(COST_COLUMNS, "epochs_kept")


def _fmt_number(columns, name):
    from promptworth.analysis.render import _fmt

    return _fmt(float(columns.index(name) + 1))


def test_the_headline_curves_are_drawn_as_the_advantage_interpolates_them():
    import numpy as np

    from promptworth.analysis.advantage import points_needed
    from promptworth.analysis.plots import interpolated_curve

    sizes, accs = np.array([10.0, 100.0]), np.array([0.5, 0.8])
    x, y = interpolated_curve(sizes, accs)
    # every drawn point lies on the curve points_needed inverts: linear in points
    np.testing.assert_allclose(points_needed(sizes, accs, y[1:-1]), x[1:-1], rtol=1e-9)
    assert x[0] == 10 and x[-1] == 100 and len(x) > 2
