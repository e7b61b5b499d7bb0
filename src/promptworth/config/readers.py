"""One reader per section of params.yaml: each validates its values through a Section and
returns the section's typed settings (config/schema.py)."""

from __future__ import annotations

from typing import Any

from promptworth.config.methods import FAMILIES, FAMILY_AXES, METHODS, methods_of
from promptworth.config.schema import (
    CHECK_ACTIONS,
    LEARNING_RATE_RANGE,
    MIN_INPUT_TOKENS,
    VERBALISERS,
    BertScoreParams,
    DataChecks,
    DataParams,
    EarlyStopping,
    EvalParams,
    Family,
    FormatParams,
    GridParams,
    LearningRate,
    MethodParams,
    Pattern,
    ReportParams,
    TrainParams,
    prompt_readings,
)
from promptworth.config.sections import Section


def _label_words(s: Section, name: str, num_labels: int | None) -> tuple[str, ...]:
    """One target word per class; distinct and not punctuation-only once normalised as the exact
    verbaliser normalises (" World" and " world" would be one class to it; " ?" nothing). With
    the class names from the dataset (data.label_names null), the count is checked at download."""
    from promptworth.core.text import normalise

    words = s.list_(name)
    if (
        not all(isinstance(w, str) and w.strip() for w in words)
        or len(words) < 2
        or (num_labels is not None and len(words) != num_labels)
    ):
        count = f"{num_labels}, as data.label_names" if num_labels else "at least 2"
        raise s.fail(name, f"must give one non-empty word per class ({count}), got {words!r}")
    normalised = [normalise(w) for w in words]
    empty = [w for w, n in zip(words, normalised, strict=True) if not n]
    if empty:
        raise s.fail(
            name, f"has {empty[0]!r}, which is only punctuation: no verbaliser can read it"
        )
    for i, n in enumerate(normalised):
        if n in normalised[:i]:
            first = words[normalised.index(n)]
            raise s.fail(
                name,
                f"has {first!r} and {words[i]!r}, which are the same word once case and "
                "punctuation are ignored: the verbalisers could not tell the classes apart",
            )
    return tuple(words)


def read_data(s: Section) -> DataParams:
    names = None
    if s._get("label_names") is not None:
        names = s.list_("label_names")
        if len(names) < 2 or not all(isinstance(n, str) and n.strip() for n in names):
            raise s.fail(
                "label_names", f"must list at least 2 non-empty class names, got {names!r}"
            )
    inputs = s.list_("inputs")
    for column in inputs:
        if not isinstance(column, str) or not column.isidentifier():
            raise s.fail(
                "inputs", f"must name columns with letters, digits and '_' (template slots), "
                f"got {column!r}"
            )  # fmt: skip
    label = s.str_("label_column")
    if label in inputs:
        raise s.fail("label_column", f"({label!r}) is also an input column in data.inputs")
    checks = s.section("checks")
    return DataParams(
        source=s.str_("source"),
        config=s.str_("config", optional=True),
        test_source=s.str_("test_source", optional=True),
        train_split=s.str_("train_split"),
        test_split=s.str_("test_split"),
        inputs=tuple(inputs),
        label_column=label,
        label_names=None if names is None else tuple(names),
        checks=DataChecks(**{k: checks.one_of(k, a) for k, a in CHECK_ACTIONS.items()}),
    )


def read_format(s: Section, data: DataParams) -> FormatParams:
    from promptworth.core.text import template_slots

    table = s.section("patterns")
    if not table.raw:
        raise s.fail("patterns", "must define at least one pattern")
    patterns = {}
    for name in table.raw:
        if not str(name).replace("_", "").isalnum():
            raise table.fail(name, "pattern names may hold only letters, digits and '_'")
        p = table.section(name)
        template = p.str_("template")
        slots = template_slots(template)
        unknown = [c for c in slots if c not in data.inputs]
        if unknown:
            raise p.fail(
                "template",
                f"has the slot {{{unknown[0]}}}, but data.inputs {list(data.inputs)} has no "
                f"column {unknown[0]!r}",
            )
        for column in data.inputs:
            if slots.count(column) != 1:
                raise p.fail(
                    "template",
                    f"must hold the slot {{{column}}} exactly once (one per input column in "
                    f"data.inputs), got {template!r}",
                )
        try:
            slotless = template
            for column in data.inputs:
                slotless = slotless.replace("{" + column + "}", "")
            slotless.format()
        except (IndexError, KeyError, ValueError) as err:
            raise p.fail(
                "template", f"may hold no placeholder but the input slots ({err})"
            ) from err
        patterns[str(name)] = Pattern(template, _label_words(p, "label_words", data.num_labels))
    return FormatParams(patterns, s.int_("max_input_tokens", MIN_INPUT_TOKENS))


def read_grid(s: Section, pattern_names: tuple[str, ...]) -> GridParams:
    def family(name: str, axes: tuple[str, ...]) -> Family:
        f = s.section(name)
        unknown = sorted(set(f.raw) - set(axes))
        if unknown:
            raise s.fail(name, f"has unknown key(s) {unknown}; its axes are {list(axes)}")
        values: dict[str, tuple] = {}
        if "methods" in axes:
            values["methods"] = f.choices("methods", methods_of(name), allow_empty=True)
        if "patterns" in axes:
            values["patterns"] = f.choices("patterns", pattern_names, allow_empty=True)
        if "sizes" in axes:
            values["sizes"] = tuple(sorted(f.ints("sizes", 1, allow_empty=True)))
        if "seeds" in axes:
            values["seeds"] = f.ints("seeds", 0, allow_empty=True)
        return Family(**values)

    unknown = sorted(set(s.raw) - set(FAMILIES))
    if unknown:
        raise s._error(
            s.key, f"'grid' has unknown famil(ies) {unknown}; the families are {list(FAMILIES)}"
        )
    return GridParams(**{name: family(name, axes) for name, axes in FAMILY_AXES.items()})


def read_train(s: Section) -> TrainParams:
    min_steps = s.int_("min_steps", 0)
    max_steps = s.int_("max_steps", 1, optional=True)
    if max_steps is not None and max_steps < min_steps:
        raise s.fail("max_steps", f"({max_steps}) must be >= train.min_steps ({min_steps})")
    stop = s.section("early_stopping")
    return TrainParams(
        epochs=s.int_("epochs", 1),
        min_steps=min_steps,
        max_steps=max_steps,
        batch_size=s.int_("batch_size", 1),
        weight_decay=s.float_("weight_decay", 0.0, 1.0),
        warmup_ratio=s.float_("warmup_ratio", 0.0, 1.0),
        early_stopping=EarlyStopping(
            stop.int_("patience", 1, optional=True), stop.int_("eval_interval", 1)
        ),
        eval_batch_size=s.int_("eval_batch_size", 1),
        group_by_length=s.bool_("group_by_length"),
        compile=s.bool_("compile"),
        gradient_checkpointing=s.bool_("gradient_checkpointing"),
        num_processes=s.int_("num_processes", 1),
        cpu_bf16=s.bool_or_auto("cpu_bf16"),
    )


def read_method(s: Section, name: str, num_labels: int) -> MethodParams:
    """methods.<name>: the settings that method reads (the table's `settings`), each validated;
    unknown keys refused."""
    spec = METHODS[name]
    if not spec.settings and not s.has(name):
        return MethodParams()  # nothing to set: no training, no demonstrations
    m = s.section(name)
    values: dict[str, Any] = {}
    for key in spec.settings:
        values.update(METHOD_SETTINGS[key](m, spec, num_labels))
    unknown = sorted(set(m.raw) - set(spec.settings))
    if unknown:
        raise s.fail(name, f"has unknown key(s) {unknown}; {name} reads {sorted(spec.settings)}")
    return MethodParams(**values)


# How each key under methods.<name> is read, into MethodParams' fields.
METHOD_SETTINGS: dict[str, Any] = {
    "learning_rate": lambda m, spec, n: {"learning_rates": _learning_rates(m, spec.has_head_rate)},
    "generate": lambda m, spec, n: {"generate": m.bool_("generate")},
    "label_words": lambda m, spec, n: {"label_words": _label_words(m, "label_words", n)},
    "rank": lambda m, spec, n: {"lora_rank": m.int_("rank", 1)},
    "alpha": lambda m, spec, n: {"lora_alpha": m.int_("alpha", 1)},
    "dropout": lambda m, spec, n: {"lora_dropout": m.float_("dropout", 0.0, 1.0)},
    "virtual_tokens": lambda m, spec, n: {"virtual_tokens": m.int_("virtual_tokens", 1)},
    "init_text": lambda m, spec, n: {"init_text": m.str_("init_text")},
    "shots": lambda m, spec, n: {"shots": m.int_("shots", 1)},
    "max_tokens": lambda m, spec, n: {"max_tokens": m.int_("max_tokens", 1, optional=True)},
}


def _rates(s: Section, name: str) -> list[float]:
    """A rate or a list of candidate rates, each in LEARNING_RATE_RANGE."""
    raw = s._get(name)
    if not isinstance(raw, list):
        return [s.float_(name, *LEARNING_RATE_RANGE)]
    values = s.list_(name)
    low, high = LEARNING_RATE_RANGE
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high:
            raise s.fail(name, f"must hold numbers in [{low}, {high}], got {v!r} in {values}")
    return [float(v) for v in values]


def _learning_rates(m: Section, with_head: bool) -> tuple[LearningRate, ...]:
    """learning_rate: a number, or a list of candidates; head_full also takes {backbone, head}
    (the pretrained LM and its freshly initialised head need very different steps), each a
    number or a list: every combination is a candidate."""
    if with_head and isinstance(m.raw.get("learning_rate"), dict):
        rates = m.section("learning_rate")
        unknown = set(rates.raw) - {"backbone", "head"}
        if unknown:
            raise m.fail(
                "learning_rate", f"takes only 'backbone' and 'head', got {sorted(unknown)}"
            )
        return tuple(
            LearningRate(lm, head)
            for lm in _rates(rates, "backbone")
            for head in _rates(rates, "head")
        )
    return tuple(LearningRate(lm, lm if with_head else None) for lm in _rates(m, "learning_rate"))


def read_eval(s: Section) -> EvalParams:
    bs = s.section("bertscore")
    return EvalParams(
        batch_size=s.int_("batch_size", 1),
        max_new_tokens=s.int_("max_new_tokens", 1),
        verbalisers=s.choices("verbalisers", VERBALISERS),
        rouge_threshold=s.float_("rouge_threshold", 0.0, 1.0),
        bertscore=BertScoreParams(
            bs.str_("model"),
            bs.int_("num_layers", 1),
            None if bs._get("threshold") is None else bs.float_("threshold", -1.0, 1.0),
        ),
        cpu_bf16=s.bool_or_auto("cpu_bf16"),
    )


def read_report(s: Section, grid: GridParams) -> ReportParams:
    baseline = s.one_of("baseline", methods_of("head"))
    if grid.head.methods and baseline not in grid.head.methods:
        raise s.fail(
            "baseline",
            f"({baseline!r}) is not run: grid.head.methods is {list(grid.head.methods)}; the "
            "headline data advantage compares the prompt with it",
        )
    reading = s.one_of("prompt_reading", prompt_readings(VERBALISERS))
    patterned = {p for f in FAMILIES for p in grid.family(f).patterns}
    main = s.str_("main_pattern")
    if patterned and main not in patterned:
        raise s.fail(
            "main_pattern",
            f"({main!r}) is not run by any family: the grid's patterns are {sorted(patterned)}",
        )
    return ReportParams(
        main if patterned else None,
        s.int_("accuracy_levels", 2),
        baseline,
        reading,
        s.int_("bootstrap_resamples", 1),
        s.int_("bootstrap_seed", 0),
    )
