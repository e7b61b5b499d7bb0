"""The layout a maintainer relies on: dvc.yaml's code deps are exactly what each stage imports,
the package's layers import only downwards, only the registry looks at a method's family, what it
trains or its role, and no module outgrows one reading."""

import re
from pathlib import Path

import pytest

from promptworth.config.methods import FAMILY_AXES, method_names
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
    train = stage_deps.stage_code_deps("run_head", ROOT / "pipeline/run.py")
    assert "src/promptworth/core/errors.py" not in train
    assert "src/promptworth/config/params.py" in train  # defaults and checks decide numbers
    assert "src/promptworth/methods/registry.py" in train
    # A run stage lists its own method's module, not every method's.
    assert train[-1] == "src/promptworth/methods/kinds/${item.method}.py"
    assert not any(d.startswith("src/promptworth/methods/kinds/prompt") for d in train)


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


def test_the_layer_check_sees_a_relative_upward_import(tmp_path, monkeypatch):
    """`from ..methods import steps` in data/ climbs a layer as surely as the absolute form."""
    for folder, name, text in (
        ("data", "bad.py", "from ..methods import steps\n"),
        ("data", "fine.py", "from . import sibling\nfrom .sibling import x\n"),
        ("data", "sibling.py", "x = 1\n"),
        ("methods", "steps.py", "y = 2\n"),
    ):
        (tmp_path / "src/promptworth" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "src/promptworth" / folder / name).write_text(text)
    monkeypatch.setattr(stage_deps, "SRC", tmp_path / "src")
    assert stage_deps.upward_imports() == ["promptworth.data.bad -> promptworth.methods.steps"]
    fine = stage_deps.imported_modules(tmp_path / "src/promptworth/data/fine.py")
    assert fine == {"promptworth.data.sibling"}


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


@pytest.mark.parametrize(
    "path",
    sorted(
        p.relative_to(ROOT).as_posix()
        for folder in ("src", "pipeline")
        for p in (ROOT / folder).rglob("*.py")
        if "methods/kinds/" not in p.as_posix()
    ),
)
def test_no_module_names_a_method_but_its_own(path):
    """A method's name is written only in its module (and the family table, where a family is
    named as its one method): no branch on a name, so a new method needs no edit elsewhere."""
    names = "|".join(n for n in method_names() if n not in FAMILY_AXES)
    quoted = re.compile(rf"[\"']({names})[\"']")
    hits = [line.strip() for line in (ROOT / path).read_text().splitlines() if quoted.search(line)]
    allowed = {"src/promptworth/config/methods.py"}
    assert path in allowed or hits == [], f"{path} names a method: {hits}"


def test_no_module_of_the_package_is_longer_than_300_lines():
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in (ROOT / "src").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    }
    assert long == {}
