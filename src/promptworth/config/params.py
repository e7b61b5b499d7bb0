"""Load and validate params.yaml once, into typed settings the library functions take.

Every error names the file, the line and the offending key (`params.yaml:57: 'train.batch_size'
must be an integer >= 1, got 0`), so a bad `dvc exp run -S key=value` fails before any work starts.
Numbers are read as YAML 1.2 (as DVC writes them): `1e-5` is a float.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promptworth.config.methods import method_names
from promptworth.config.readers import (
    read_eval,
    read_grid,
    read_method,
    read_report,
    read_train,
)
from promptworth.config.schema import Params, SampleParams
from promptworth.config.sections import Section, refuse_unknown_keys
from promptworth.config.task import read_data, read_format
from promptworth.core.errors import ParamsError
from promptworth.core.yaml12 import load_yaml_file


def parse_params(
    raw: Any, path: str = "params.yaml", lines: dict[str, int] | None = None
) -> Params:
    """Validate a params mapping (as loaded from params.yaml) into typed settings."""
    root = Section(raw, "", (path, lines or {}, []))
    data = read_data(root.section("data"))
    num_labels = data.num_labels
    fmt = read_format(root.section("format"), data)
    grid = read_grid(root.section("grid"), tuple(fmt.patterns))
    methods_section = root.section("methods")
    known = method_names()
    unknown = sorted(set(methods_section.raw) - set(known))
    if unknown:
        raise methods_section._error(
            "methods", f"'methods' has unknown method(s) {unknown}; the methods are {list(known)}"
        )
    in_grid = {r.method for r in grid.runs()}
    methods = {
        name: read_method(methods_section, name, num_labels)
        for name in known
        if name in in_grid or methods_section.has(name)
    }
    sample = root.section("sample")
    params = Params(
        data=data,
        model_name=root.section("model").str_("name"),
        sample=SampleParams(
            stratify=sample.bool_("stratify"),
            dev_size=sample.int_("dev_size", 0),
            split_seed=sample.int_("split_seed", 0),
            test_size=sample.int_("test_size", 1, optional=True),
        ),
        format=fmt,
        grid=grid,
        train=read_train(root.section("train")),
        methods=methods,
        eval=read_eval(root.section("eval")),
        report=read_report(root.section("report"), grid),
        gpu=root.section("runtime").int_("gpu", 0, optional=True),
    )
    refuse_unknown_keys(root.ctx[2])
    _check_combinations(params, root)
    return params


def _check_combinations(params: Params, root: Section) -> None:
    """Settings valid alone that cannot run together, refused before any stage works."""
    if not params.grid.runs():
        raise root._error(
            "grid",
            "'grid' asks for no run: every family (head, prompt, icl_zero, icl_few) has an empty "
            "axis; give at least one family methods, patterns, sizes and seeds as it needs",
        )
    needs_dev = []
    if params.train.early_stopping.patience is not None and any(
        r.spec.is_trained for r in params.grid.runs()
    ):
        needs_dev.append("train.early_stopping.patience")
    needs_dev += [
        f"methods.{name}.learning_rate"
        for name, m in params.methods.items()
        if len(m.learning_rates) > 1 and any(r.method == name for r in params.grid.runs())
    ]
    if params.sample.dev_size == 0 and needs_dev:
        raise root.section("sample").fail(
            "dev_size",
            f"is 0, but {needs_dev[0]} chooses on dev rows (early stopping picks a step, several "
            "learning rates pick one); give dev rows, or set patience to null and one learning "
            "rate",
        )
    data = params.data
    if data.test_source is not None and _same_file(data.source, data.test_source):
        raise root.section("data").fail(
            "test_source",
            f"({data.test_source!r}) is the same file as data.source: every training row would be "
            "a test row; give the test split its own file",
        )


def _same_file(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    if pa.exists() and pb.exists():
        return pa.resolve() == pb.resolve()
    return a == b


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml; raises ParamsError naming the file, line and key."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"params file not found: {path}")
    raw, lines = load_yaml_file(path)
    return parse_params(raw, str(path), lines)


def check_label_words(params: Params, num_labels: int) -> None:
    """Every pattern's (and the control's) target words against the task's class count, once
    the classes are known (data.label_names null: the download stage reads them)."""
    for name, pattern in params.format.patterns.items():
        if len(pattern.label_words) != num_labels:
            raise ParamsError(
                f"params: 'format.patterns.{name}.label_words' has {len(pattern.label_words)} "
                f"words, but the task has {num_labels} classes"
            )
    for method, settings in params.methods.items():
        if settings.label_words is not None and len(settings.label_words) != num_labels:
            raise ParamsError(
                f"params: 'methods.{method}.label_words' has {len(settings.label_words)} words, "
                f"but the task has {num_labels} classes"
            )
