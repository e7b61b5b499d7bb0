"""tools/results.py's table across tasks and models, from published/<name>/ folders."""

import json
from pathlib import Path

from tests.tools import load_tool


def cell(mean):
    return {"accuracy_mean": mean, "accuracy_std": 0.01, "none_rate_mean": 0.0, "seeds": 3}


def publish(folder: Path, headline: dict, model: str = "SmolLM2", sizes=(10, 100, 200)) -> None:
    (folder / "metrics").mkdir(parents=True)
    prompt = {"10": cell(0.74), "100": cell(0.82), "200": cell(0.85), "500": cell(0.87)}
    head = {"10": cell(0.57), "100": cell(0.81), "200": cell(0.81), "500": cell(0.86)}
    summary = {
        "accuracy": {
            "prompt/rank": {str(n): prompt[str(n)] for n in sizes},
            "head_full/argmax": {str(n): head[str(n)] for n in sizes},
            "icl_zero/rank": {"0": cell(0.583)},
        },
        "headline": {"comparison": "prompt/rank vs head_full/argmax", **headline},
    }
    (folder / "metrics/summary.json").write_text(json.dumps(summary))
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
    assert "23.8 +- 13.6 [2, 60]; capped: at least 61 (500 would decide)" in row
    assert "published/trec10_smollm2/reports/learning_curves.png" in row


def test_curves_without_a_shared_range_say_so(tmp_path, monkeypatch):
    tool = load_tool("results")
    monkeypatch.setattr(tool, "PUBLISHED", tmp_path)
    publish(tmp_path / "x", {"advantage": None, "loo_std": None, "bound": {"at_least": 90.0}})
    row = tool.tasks_block()[-1]
    assert "at least 90 points" in row and "n/a +-" not in row


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
    assert lines[0].startswith("TREC-10: test accuracy")
    assert lines[2] == "| model | method/reading | zero-shot | 10 | 100 | 200 | data advantage |"
    rows = [line for line in lines if line.startswith("| SmolLM2") or line.startswith("| Gemma")]
    assert [r.split(" | ")[:2] for r in rows] == [
        ["| SmolLM2", "head_full/argmax"], ["| SmolLM2", "prompt/rank"],
        ["| Gemma", "head_full/argmax"], ["| Gemma", "prompt/rank"],
    ]  # fmt: skip
    assert "0.583 +- 0.010 (3 seeds)" in rows[0] and "20.0 +- 5.0" in rows[0]
    assert "40.0 +- 9.0" in rows[2] and "0.860" not in "".join(rows)  # 500: SmolLM2 only
