"""CONTRIBUTING.md's worked example, followed as a new maintainer would: its code block becomes
the method's module, its params validate, it trains only what it says, and the stage deps and
layout tests hold with it present. (tests/test_pipeline_e2e.py checks its `dvc status` claims.)"""

import re
from pathlib import Path

import pytest
import torch
import yaml

import promptworth.methods.kinds as kinds
from promptworth.config.methods import Run, find_method, kind_module, method_names, methods_of
from promptworth.config.params import parse_params
from promptworth.config.schema import MethodParams
from promptworth.lm.modeling import load_causal_lm
from promptworth.methods.registry import behaviour
from promptworth.tooling import stage_deps
from tests.test_models import WORDS, context, run_data

ROOT = Path(__file__).parents[1]
MARKER = "<!-- worked-example:"


def worked_example() -> tuple[str, dict]:
    """The module's code and the params snippet, as CONTRIBUTING.md shows them."""
    text = (ROOT / "CONTRIBUTING.md").read_text()
    after = text[text.index(MARKER) :]
    code = re.search(r"```python\n(.*?)```", after, re.S).group(1)
    params = re.search(r"```yaml\n(.*?)```", after, re.S).group(1)
    return code, yaml.safe_load(params)


@pytest.fixture
def prompt_norms(tmp_path, monkeypatch):
    """The example's module, found by name beside the real ones (the kinds package's path
    extended to a temporary folder; the lookup's cache cleared before and after)."""
    code, snippet = worked_example()
    (tmp_path / "prompt_norms.py").write_text(code)
    monkeypatch.setattr(kinds, "__path__", [*kinds.__path__, str(tmp_path)])
    kind_module.cache_clear()
    yield snippet
    kind_module.cache_clear()


def test_the_example_is_a_method_of_the_prompt_family(prompt_norms):
    assert "prompt_norms" in method_names() and "prompt_norms" in methods_of("prompt")
    spec = find_method("prompt_norms")
    assert spec.is_trained and spec.reads_pattern and spec.checkpoint.startswith("lm/")


def test_its_params_validate_as_written_and_a_stray_key_is_refused(prompt_norms):
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    raw["methods"]["prompt_norms"] = prompt_norms["methods"]["prompt_norms"]
    raw["grid"]["prompt"]["methods"] = prompt_norms["grid"]["prompt"]["methods"]
    params = parse_params(raw)
    assert params.methods["prompt_norms"].learning_rates[0].lm == 1e-3
    assert any(r.method == "prompt_norms" for r in params.grid.runs())
    raw["methods"]["prompt_norms"]["rank"] = 4
    with pytest.raises(Exception, match=r"methods.prompt_norms.*unknown key\(s\) \['rank'\]"):
        parse_params(raw)


def test_only_the_norms_train_and_they_move(prompt_norms, tiny_model_dir, tiny_tokenizer):
    from promptworth.methods.prompt import train_prompt

    trainer = behaviour(Run("prompt_norms", "instruct", 10, 0)).trainer
    base = load_causal_lm(tiny_model_dir)
    ctx = context(tiny_model_dir, tiny_tokenizer, 20, 1e-2)
    model, result = train_prompt(trainer.build, run_data(tiny_tokenizer), WORDS, MethodParams(),
                                 ctx)  # fmt: skip
    assert result.steps_run == 20
    before, after = base.state_dict(), model.state_dict()
    moved = {k for k in after if not torch.equal(before[k], after[k])}
    # The tiny GPT-2: ln_1 and ln_2 in each of 2 blocks and ln_f, a weight and a bias each.
    assert moved == {k for k in after if re.search(r"\.ln_(1|2|f)\.(weight|bias)$", k)}
    assert len(moved) == 10


def test_the_layout_and_stage_deps_hold_with_the_example_present(prompt_norms):
    assert stage_deps.disagreements(ROOT / "dvc.yaml") == []
    prompt_stage = stage_deps.stage_code_deps("run_prompt", ROOT / "pipeline/run.py")
    assert stage_deps.KIND_DEP in prompt_stage
    assert not any("prompt_norms" in d for d in prompt_stage)
