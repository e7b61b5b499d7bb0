"""tools/results.py's table across tasks and models, from published/<name>/ folders."""

import json
from pathlib import Path

import pandas as pd
import yaml

from promptworth.analysis.advantage import data_advantage
from tests.tools import load_tool

PROMPT = {10: 0.74, 100: 0.82, 200: 0.85, 500: 0.87}
HEAD = {10: 0.57, 100: 0.81, 200: 0.81, 500: 0.89}


def cell(mean):
    return {"accuracy_mean": mean, "accuracy_std": 0.01, "none_rate_mean": 0.0, "seeds": 3}


def publish(folder: Path, headline: dict, model: str = "SmolLM2", sizes=(10, 100, 200)) -> None:
    (folder / "metrics").mkdir(parents=True)
    summary = {
        "accuracy": {
            "prompt/rank": {str(n): cell(PROMPT[n]) for n in sizes},
            "head_full/argmax": {str(n): cell(HEAD[n]) for n in sizes},
            "icl_zero/rank": {"0": cell(0.583)},
        },
        "headline": {"comparison": "prompt/rank vs head_full/argmax", **headline},
    }
    (folder / "metrics/summary.json").write_text(json.dumps(summary))
    # Every run the summary's cells stand for (3 seeds a size, 0.01 apart) and the report's
    # settings: what the table across models recomputes its advantages from.
    runs = [
        {"series": series, "pattern": pattern, "size": n, "seed": seed,
         "accuracy": accuracies[n] + (seed - 1) * 0.01}
        for series, pattern, accuracies in [
            ("prompt/rank", "instruct", PROMPT), ("head_full/argmax", "", HEAD)
        ]
        for n in sizes
        for seed in range(3)
    ]  # fmt: skip
    pd.DataFrame(runs).to_csv(folder / "metrics/curves.csv", index=False)
    report = {"main_pattern": "instruct", "accuracy_levels": 100, "bootstrap_resamples": 50,
              "bootstrap_seed": 0}  # fmt: skip
    (folder / "params.yaml").write_text(yaml.safe_dump({"report": report}))
    meta = {"task": "TREC-10", "model": model, "classes": 6, "protocol": "protocols/t.md"}
    (folder / "publication.json").write_text(json.dumps(meta))


def test_a_capped_answer_is_a_bound_in_the_table(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    assert tool.tasks_block() == ["Nothing published yet (`python tools/publish.py copy ...`)."]
    publish(
        tmp_path / "trec10_smollm2",
        {
            "advantage": 23.8,
            "loo_std": 13.6,
            "bootstrap_rows": {"low": 2.0, "high": 60.0},
            "truncation": {"at_least": 61.0, "next_size": 500},
        },
    )
    header, rule, row = tool.tasks_block()
    assert row.startswith("| TREC-10 | SmolLM2 | 6 | 0.583 | 10: 0.740 / 0.570, 100: 0.820 / 0.810")
    assert "200: 0.850 / 0.810" in row
    # A summary from before the stopping rule (protocol v1): a bound of its grid.
    assert "| 23.8 +- 13.6 [2, 60]; capped: at least 61 | bound (v1 grid) |" in row
    assert "published/trec10_smollm2/reports/learning_curves.png" in row


def test_curves_without_a_shared_range_say_so(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    publish(tmp_path / "x", {"advantage": None, "loo_std": None, "bound": {"at_least": 90.0}})
    row = tool.tasks_block()[-1]
    assert "at least 90 points" in row and "n/a +-" not in row
    assert "| bound (v1 grid) |" in row


def test_a_v2_summary_says_answer_pool_or_limit_with_the_bounds_interval(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    capped = {
        "advantage": 281.5, "loo_std": 26.3, "bootstrap_rows": {"low": 200.0, "high": 566.0},
        "truncation": {"at_least": 549.0, "next_size": None, "pool": 1325, "largest_size": 1325},
        "bound_uncertainty": {"rows": {"low": 300.0, "high": 700.0, "capped_share": 0.97}},
        "stopping": {"status": "pool", "pool": 1325, "largest_size": 1325},
    }  # fmt: skip
    publish(tmp_path / "bbc", capped)
    row = tool.tasks_block()[-1]
    assert (
        "capped: at least 549 [300, 700], capped in 97% of draws | more than the pool (1,325) |"
        in row
    )
    publish(tmp_path / "bbc2", {**capped, "stopping": {"status": "limit", "limit": 1000}})
    assert "| bound (size limit 1,000) |" in tool.tasks_block()[-1]
    publish(tmp_path / "bbc3", {"advantage": 50.0, "loo_std": 5.0, "truncation": None,
                               "stopping": {"status": "answer"}})  # fmt: skip
    assert "| 50.0 +- 5.0 | answer |" in tool.tasks_block()[-1]
    rows = {"low": 40.0, "high": 60.0, "capped_share": 0.39}
    crossing = {"advantage": 50.0, "loo_std": 5.0, "truncation": None, "bootstrap_rows": rows,
                "stopping": {"status": "answer"}}  # fmt: skip
    publish(tmp_path / "bbc4", crossing)
    assert (
        "| 50.0 +- 5.0 [40, 60]; the baseline below the prompt's best in 39% of draws | answer |"
        in tool.tasks_block()[-1]
    )


def test_links_are_relative_to_the_document(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    publish(tmp_path / "t", {"advantage": 1.0, "loo_std": 0.5})
    assert "[protocol](protocols/t.md)" in tool.tasks_block()[-1]  # from the README
    row = tool.tasks_block(root="../")[-1]  # from docs/
    assert "[protocol](../protocols/t.md)" in row
    assert "(../published/t/reports/learning_curves.png)" in row


def test_a_task_on_two_models_is_shown_side_by_side_at_the_sizes_both_ran(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    publish(tmp_path / "a", {"advantage": 20.0, "loo_std": 5.0}, "SmolLM2", (10, 100, 200, 500))
    assert tool.models_block() == ["No task is published on more than one model yet."]
    publish(tmp_path / "b", {"advantage": 40.0, "loo_std": 9.0}, "Gemma", (10, 100, 200))
    lines = tool.models_block()
    assert lines[0].startswith("TREC-10: test accuracy") and "(10 to 200 points;" in lines[0]
    header = (
        "| model | method/reading | zero-shot | 10 | 100 | 200 | data advantage at these sizes |"
    )
    assert lines[2] == header
    rows = [line for line in lines if line.startswith("| SmolLM2") or line.startswith("| Gemma")]
    assert [r.split(" | ")[:2] for r in rows] == [
        ["| SmolLM2", "head_full/argmax"], ["| SmolLM2", "prompt/rank"],
        ["| Gemma", "head_full/argmax"], ["| Gemma", "prompt/rank"],
    ]  # fmt: skip
    # The zero-shot prompt and the advantage sit on the prompt's row, once per model.
    assert rows[0].split(" | ")[2] == "" and rows[1].split(" | ")[2] == "0.583 +- 0.010 (3 seeds)"
    assert rows[0].endswith(" |  |") and rows[2].endswith(" |  |")
    assert "0.890" not in "".join(rows)  # 500: SmolLM2 only
    # Both models ran the same runs up to 200 points: the same advantage, not the summaries'
    # (20.0 and 40.0 are the whole grids' figures).
    smollm2, gemma = rows[1].split(" | ")[-1], rows[3].split(" | ")[-1]
    assert smollm2 == gemma and "20.0" not in smollm2 and "40.0" not in gemma


def test_the_advantage_across_models_reads_only_the_shared_sizes(tmp_path):
    tool = load_tool("results")
    publish(tmp_path / "a", {}, "SmolLM2", (10, 100, 200, 500))
    pair = ["prompt/rank", "head_full/argmax"]
    curves = pd.read_csv(tmp_path / "a/metrics/curves.csv", keep_default_na=False)
    prompt, head = (curves[curves["series"] == side] for side in pair)
    cut = tool.advantage_at_sizes(tmp_path / "a", pair, [10, 100, 200])
    whole = tool.advantage_at_sizes(tmp_path / "a", pair, [10, 100, 200, 500])
    below_500 = data_advantage(prompt[prompt["size"] < 500], head[head["size"] < 500], 100)
    assert cut["advantage"] == round(below_500, 3)
    assert whole["advantage"] == round(data_advantage(prompt, head, 100), 3)
    assert cut["advantage"] != whole["advantage"]
    # Up to 200 points the head stops below the prompt (0.82 against 0.86): a bound, and the
    # next size would decide; with 500 it passes the prompt and nothing is capped by the baseline.
    assert cut["truncation"]["capped_by"] == "baseline" and cut["truncation"]["next_size"] == 500
    assert (whole["truncation"] or {}).get("capped_by") != "baseline"
    # Three seeds a side: the runs bootstrap enumerates all 27 x 27 equally likely draws.
    assert cut["bootstrap"]["resamples"] == 729 and cut["bootstrap"]["method"] == "exact"
    assert cut["bootstrap_rows"] is None


def test_the_convergence_block_shows_each_answers_check_or_why_there_is_none(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    publish(tmp_path / "a_v1", {"advantage": 1.0, "loo_std": 0.5})
    publish(tmp_path / "b_open", {"advantage": 1.0, "stopping": {"status": "continue"}})
    publish(tmp_path / "c_missing", {"advantage": 1.0, "stopping": {"status": "answer"}})
    publish(tmp_path / "d_checked", {"advantage": 1.0, "stopping": {"status": "answer"}})
    check = {
        "rows": "dev",
        "series": {
            "prompt/rank": {"size": 200, "seed": 0, "epochs": [3, 6], "seeds": [0, 1, 2],
                            "standard": 0.85, "doubled": 0.86, "gain": 0.01, "seed_std": 0.012},
            "head_full/argmax": {"size": 200, "seed": 0, "epochs": [3, 6], "seeds": [0, 1, 2],
                                 "standard": 0.81, "doubled": 0.805, "gain": -0.005,
                                 "seed_std": 0.01},
        },
        "converged": True,
    }  # fmt: skip
    (tmp_path / "d_checked/convergence.json").write_text(json.dumps(check))
    text = "\n".join(tool.convergence_block())
    sections = text.split("**TREC-10 on SmolLM2**: ")[1:]
    assert sections[0].startswith("not checked: published under protocol v1")
    assert sections[1].startswith("not yet: the grid is unfinished")
    assert sections[2].startswith("missing: no convergence.json: the grid stopped (answer)")
    assert sections[3].startswith("dev accuracy with twice the steps")
    row = "| head_full/argmax | 200 | 0 | 3 / 6 | 0.810 | 0.805 | -0.005 | 0.010 (0, 1, 2) |"
    assert row in sections[3]
    assert "Converged: no method gains more dev accuracy than its seed std" in sections[3]
