"""The layout a maintainer relies on: dvc.yaml's code deps are exactly what each stage imports,
the package's layers import only downwards, only the registry looks at a method's family, what it
trains or its role, and no module outgrows one reading."""

import re
from pathlib import Path

import pytest

from promptworth.tooling import stage_deps

ROOT = Path(__file__).parents[1]
REGISTRY = {"src/promptworth/config/methods.py", "src/promptworth/methods/registry.py"}


def test_every_stage_lists_exactly_the_code_it_imports():
    assert stage_deps.disagreements(ROOT / "dvc.yaml") == []


def test_a_dependency_missing_from_dvc_yaml_is_caught(tmp_path, monkeypatch):
    text = (ROOT / "dvc.yaml").read_text()
    broken = text.replace("      - src/promptworth/methods/steps.py\n", "", 1)
    assert broken != text
    (tmp_path / "dvc.yaml").write_text(broken)
    problems = stage_deps.disagreements(tmp_path / "dvc.yaml")
    assert problems and "missing ['src/promptworth/methods/steps.py']" in problems[0]


def test_every_data_path_a_stage_reads_is_a_declared_dep_or_out():
    assert stage_deps.undeclared_paths(ROOT / "dvc.yaml") == []


def test_a_data_path_missing_from_dvc_yaml_is_caught(tmp_path):
    text = (ROOT / "dvc.yaml").read_text()
    report = text.index("  report:")
    broken = text[:report] + re.sub(r"      - data/runs\b.*\n", "", text[report:], count=1)
    assert broken != text
    (tmp_path / "dvc.yaml").write_text(broken)
    assert stage_deps.undeclared_paths(tmp_path / "dvc.yaml") == [
        "report: reads data/runs (RUNS) but declares no dep or out there"
    ]


def test_plumbing_is_no_stages_dependency_and_the_model_code_is_every_trainings():
    train = stage_deps.code_deps(ROOT / "pipeline/run.py")
    assert "src/promptworth/core/errors.py" not in train
    assert "src/promptworth/config/params.py" in train  # defaults and checks decide numbers
    assert "src/promptworth/methods/registry.py" in train


def test_no_module_imports_from_a_layer_above_its_own():
    assert stage_deps.upward_imports() == []


def test_the_layer_check_sees_an_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "src" / "promptworth" / "core"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from promptworth.analysis.report import finite\n")
    (tmp_path / "src/promptworth/analysis").mkdir()
    (tmp_path / "src/promptworth/analysis/report.py").write_text("def finite(x): return x\n")
    monkeypatch.setattr(stage_deps, "SRC", tmp_path / "src")
    assert stage_deps.upward_imports() == ["promptworth.core.bad -> promptworth.analysis.report"]


FIELD_TEST = re.compile(
    r"\.(trains|family|role|targets)\s*(==|!=|\bin\b|\bnot in\b)"
    r"|(==|!=)\s*[\w.\[\]\"']*\.(trains|family|role|targets)\b"
)


@pytest.mark.parametrize(
    "path",
    sorted(
        p.relative_to(ROOT).as_posix()
        for folder in ("src", "pipeline", "bench", "tools")
        for p in (ROOT / folder).rglob("*.py")
    ),
)
def test_only_the_registry_branches_on_a_methods_fields(path):
    if path in REGISTRY:
        return
    hits = [
        line.strip() for line in (ROOT / path).read_text().splitlines() if FIELD_TEST.search(line)
    ]
    assert hits == [], f"{path} compares method fields: {hits}"


def test_no_module_of_the_package_is_longer_than_300_lines():
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in (ROOT / "src").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    }
    assert long == {}
