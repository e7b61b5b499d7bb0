"""The code each DVC stage depends on, computed from imports, and the layers they must respect.

A stage's code deps in dvc.yaml are its script plus every promptworth module the script imports,
directly or through other modules (imports inside functions and relative imports count), minus
PLUMBING: modules that cannot change a stage's numbers, so that fixing a message re-runs nothing.
A run stage (`run_<family>`) also depends on its own method's module, found by name at run time
(config/methods.py's kind_module): dvc.yaml lists `src/promptworth/methods/kinds/${item.method}.py`
(the family's one module where the matrix has no method axis) and what the family's modules
import, so a new method's module re-runs no existing stage. Other stages read methods'
declarations by name too (to validate params, to label the report) without listing their
modules: a declaration is recorded in each run's scores.json, so changing one re-runs the runs
and, through their outputs, every stage that reads them. tests/test_layout.py
fails when dvc.yaml and the imports disagree; `python -m promptworth.tooling.stage_deps --fix`
rewrites dvc.yaml's code-dep lines to match (other deps and comments are kept).

The package's layers, bottom to top; a module imports only from its own layer or below:
core -> config -> data -> lm -> readout -> methods -> analysis (tooling: tests and tools only).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import sys
from pathlib import Path

import yaml

from promptworth.core import paths

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "src"
PACKAGE = "promptworth"
LAYERS = ("core", "config", "data", "lm", "readout", "methods", "analysis", "tooling")
# Modules that decide no number a stage writes: errors and their wording, atomic writes and
# JSON helpers, where files are, the stage entry point, cost records (timings, never read back
# as results), the hub reachability check. Package __init__ files hold only docstrings.
PLUMBING = frozenset(
    {
        "promptworth.core.errors",
        "promptworth.core.io",
        "promptworth.core.paths",
        "promptworth.core.cli",
        "promptworth.core.records",
        "promptworth.core.hub",
    }
)


def module_file(module: str) -> Path | None:
    """The source file of a promptworth module (a package's __init__.py), None if none."""
    base = SRC / Path(*module.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def module_name(path: Path) -> str | None:
    """The dotted name of a file under SRC (a package's __init__ is the package), else None."""
    try:
        parts = path.resolve().relative_to(SRC.resolve()).with_suffix("").parts
    except ValueError:
        return None
    return ".".join(parts).removesuffix(".__init__")


def absolute_from(path: Path, node: ast.ImportFrom) -> str | None:
    """The module a from-import names, with a relative one (`from ..methods import steps`)
    resolved against `path`'s own package; None if it climbs out of the source tree."""
    if node.level == 0:
        return node.module
    here = module_name(path)
    if here is None:
        return None
    package = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
    if node.level - 1 > len(package) - 1:
        return None
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_modules(path: Path) -> set[str]:
    """promptworth modules `path` imports anywhere in its body, relative imports included
    (from-imports of names resolve to the module when the name is a submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            module = absolute_from(path, node)
            if not module or module.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if module_file(sub) else module)
    return {m for m in found if module_file(m)}


def closure(script: Path) -> set[str]:
    """Every promptworth module `script` reaches through imports."""
    seen: set[str] = set()
    todo = list(imported_modules(script))
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(imported_modules(module_file(module)) - seen)
    return seen


KINDS = "promptworth.methods.kinds"
KIND_DEP = "src/promptworth/methods/kinds/${item.method}.py"


def family_modules(family: str) -> tuple[list[str], set[str]]:
    """A run family's method modules as dvc.yaml lists them (templated by the matrix's method
    axis, else each by name) and the modules they import."""
    from promptworth.config.methods import FAMILY_AXES, methods_of

    names = methods_of(family)
    listed = (
        [KIND_DEP]
        if "methods" in FAMILY_AXES[family]
        else [kind_file(n).relative_to(ROOT).as_posix() for n in names]
    )
    imported: set[str] = set()
    for name in names:
        imported |= closure(kind_file(name))
    return listed, imported


def kind_file(name: str) -> Path:
    """Method `name`'s module file, wherever the kinds package finds it."""
    return Path(importlib.util.find_spec(f"{KINDS}.{name}").origin)


def code_deps(script: Path, family: str | None = None) -> list[str]:
    """What dvc.yaml should list as a stage's code deps: the script, its modules' files (minus
    PLUMBING and docstring-only package __init__ files), and for a run family its methods'
    modules and what they import; relative to the repo root."""
    modules = closure(script)
    kinds: list[str] = []
    if family is not None:
        kinds, imported = family_modules(family)
        modules |= imported
    files = {
        module_file(m).relative_to(ROOT).as_posix()
        for m in modules
        if m not in PLUMBING
        and module_file(m).name != "__init__.py"
        and not m.startswith(f"{KINDS}.")
    }
    return [script.relative_to(ROOT).as_posix(), *sorted(files), *kinds]


def stage_family(stage: str) -> str | None:
    """The method family a `run_<family>` stage runs, else None."""
    from promptworth.config.methods import FAMILIES

    family = stage.removeprefix("run_")
    return family if stage.startswith("run_") and family in FAMILIES else None


def is_code(dep: str) -> bool:
    return dep.endswith(".py") and dep.startswith(("pipeline/", "src/"))


def stage_code_deps(name: str, script: Path) -> list[str]:
    return code_deps(script, stage_family(name))


def stage_scripts(dvc_yaml: Path) -> dict[str, Path]:
    """Each stage's script (the `python pipeline/x.py` of its cmd)."""
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    scripts = {}
    for name, stage in stages.items():
        match = re.search(r"python (pipeline/\S+\.py)", stage["cmd"])
        if match:
            scripts[name] = ROOT / match.group(1)
    return scripts


def disagreements(dvc_yaml: Path) -> list[str]:
    """One line per stage whose listed code deps differ from its imports."""
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    lines = []
    for name, script in stage_scripts(dvc_yaml).items():
        listed = {d for d in stages[name].get("deps", []) if is_code(d)}
        wanted = set(stage_code_deps(name, script))
        if listed != wanted:
            missing, extra = sorted(wanted - listed), sorted(listed - wanted)
            lines.append(f"{name}: missing {missing}, not imported {extra}")
    return lines


# A path a stage may read without declaring it: the plan stage's throughput cache is a
# measurement of this machine, not an input (a missing or older one is measured again).
UNDECLARED_OK = frozenset({("plan", "PROBES")})


def paths_named(script: Path) -> set[str]:
    """The names `script` imports from promptworth.core.paths (where stages read and write)."""
    return {
        alias.name
        for node in ast.walk(ast.parse(script.read_text(), str(script)))
        if isinstance(node, ast.ImportFrom) and node.module == f"{PACKAGE}.core.paths"
        for alias in node.names
    }


def undeclared_paths(dvc_yaml: Path) -> list[str]:
    """One line per data path a stage's script takes from core.paths that none of the stage's
    deps or outputs covers (the same path, one above it or one inside it): a file DVC would not
    see change, so the stage would not re-run when it does."""
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    lines = []
    for name, script in stage_scripts(dvc_yaml).items():
        body = stages[name]
        outs = [o for key in ("outs", "metrics", "plots") for o in body.get(key, [])]
        declared = [
            *body.get("deps", []),
            *(o if isinstance(o, str) else next(iter(o)) for o in outs),
        ]
        for alias in sorted(paths_named(script)):
            value = getattr(paths, alias, None)
            if not isinstance(value, Path) or (name, alias) in UNDECLARED_OK:
                continue
            where = value.as_posix()
            if not any(d == where or where.startswith(f"{d}/") or d.startswith(f"{where}/")
                       for d in declared):  # fmt: skip
                lines.append(f"{name}: reads {where} ({alias}) but declares no dep or out there")
    return lines


def fix(dvc_yaml: Path) -> None:
    """Rewrite each stage's code-dep lines in place (first code dep's position, same indent)."""
    text = dvc_yaml.read_text().splitlines()
    scripts = stage_scripts(dvc_yaml)
    out, stage = [], None
    for line in text:
        header = re.match(r"^  ([A-Za-z_][\w-]*):\s*$", line)
        if header:
            stage, written = header.group(1), False
        item = re.match(r"^(\s+)- (\S+)\s*$", line)
        if stage in scripts and item and is_code(item.group(2)):
            if not written:
                out += [f"{item.group(1)}- {d}" for d in stage_code_deps(stage, scripts[stage])]
                written = True
            continue
        out.append(line)
    dvc_yaml.write_text("\n".join(out) + "\n")


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else None


def upward_imports() -> list[str]:
    """`a -> b` for every import from a lower layer into a higher one (none allowed)."""
    bad = []
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        module = module_name(path)
        mine = layer(module)
        for other in imported_modules(path):
            theirs = layer(other)
            if mine and theirs and LAYERS.index(theirs) > LAYERS.index(mine):
                bad.append(f"{module} -> {other}")
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="rewrite dvc.yaml's code deps")
    args = parser.parse_args()
    dvc_yaml = ROOT / "dvc.yaml"
    if args.fix:
        fix(dvc_yaml)
    problems = disagreements(dvc_yaml) + undeclared_paths(dvc_yaml)
    problems += [f"upward import: {b}" for b in upward_imports()]
    print("\n".join(problems) or "dvc.yaml code deps match the imports; no upward import")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
