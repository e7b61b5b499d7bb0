"""Fast starts: each stage's imports stay within a budget of loaded modules (deterministic, unlike
seconds: about 2x what each loaded after the lazy-import cut, measured with bench/stage_starts.py,
whose seconds are in docs/performance.md), and a stage that needs no model never loads
transformers' model classes, torch, or datasets."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
spec = importlib.util.spec_from_file_location("stage_starts", ROOT / "bench/stage_starts.py")
stage_starts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stage_starts)

# Modules each stage loaded after the cut (torch 2.13, transformers and pandas as pinned), x2.
# Before it, the torch stages loaded ~3,240 (transformers' model classes at import) and `read`
# 1,861 (transformers for a type hint): past these budgets.
AFTER_CUT = {"validate": 243, "download": 643, "sample": 639, "model": 1182, "plan": 1557,
             "format": 1538, "features": 1555, "run_head": 1562, "run_prompt": 1559,
             "run_icl_zero": 1558, "run_icl_few": 1559, "read": 1595, "report": 648}  # fmt: skip
NO_TORCH = {"validate", "download", "sample", "read", "report"}  # no model, no tensor: only tables


@pytest.mark.parametrize("stage", sorted(stage_starts.stage_modules()))
def test_each_stage_starts_within_its_module_budget(stage):
    script, modules = stage_starts.stage_modules()[stage]
    found = stage_starts.measure(script, modules)
    assert found["modules"] <= 2 * AFTER_CUT[stage], (
        f"{stage} loads {found['modules']} modules at start (budget {2 * AFTER_CUT[stage]}); "
        "import heavy packages inside the functions that use them"
    )
    assert not {"transformers", "datasets", "peft", "bert_score"} & set(found["heavy"]), found
    if stage in NO_TORCH:
        assert "torch" not in found["heavy"], found
