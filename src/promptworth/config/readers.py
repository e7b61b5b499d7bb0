"""One reader per section of params.yaml: each validates its values through a Section and
returns the section's typed settings (config/schema.py)."""

from __future__ import annotations

from typing import Any

from promptworth.config.methods import FAMILIES, FAMILY_AXES, find_method, methods_of
from promptworth.config.schema import (
    LEARNING_RATE_RANGE,
    VERBALISERS,
    BertScoreParams,
    EarlyStopping,
    EvalParams,
    Family,
    GridParams,
    LearningRate,
    MethodParams,
    ReportParams,
    TrainParams,
    prompt_readings,
)
from promptworth.config.sections import Section
from promptworth.config.task import label_words


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
        # Optional: params files written before it existed (the published answers') kept none.
        keep_checkpoint=s.bool_("keep_checkpoint") if s.has("keep_checkpoint") else False,
        length_buckets=_length_buckets(s),
        precision=s.one_of("precision", PRECISIONS) if s.has("precision") else "mixed",
    )


PRECISIONS = ("mixed", "bf16")


def _length_buckets(s: Section) -> tuple[int, ...] | None:
    """train.length_buckets: null, or padded lengths >= 1 (optional: older params files)."""
    if not s.has("length_buckets") or s._get("length_buckets") is None:
        return None
    return tuple(sorted(set(s.ints("length_buckets", 1))))


def read_method(s: Section, name: str, num_labels: int) -> MethodParams:
    """methods.<name>: the settings that method reads (its declaration's `settings`), each
    validated; unknown keys refused."""
    spec = find_method(name)
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
    "label_words": lambda m, spec, n: {"label_words": label_words(m, "label_words", n)},
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
    number or a list: every combination is a candidate; or a list of such mappings, each one
    candidate (a pilot's second stage, which tries the first stage's best pairs only)."""
    raw = m.raw.get("learning_rate")
    if with_head and isinstance(raw, dict):
        return _rate_pairs(m.section("learning_rate"), m)
    if with_head and isinstance(raw, list) and any(isinstance(v, dict) for v in raw):
        pairs: list[LearningRate] = []
        for k, item in enumerate(m.list_("learning_rate")):
            if not isinstance(item, dict):
                raise m.fail("learning_rate", f"mixes numbers and mappings (item {k}: {item!r})")
            item_section = Section(item, m.dotted(f"learning_rate[{k}]"), m.ctx)
            pairs += _rate_pairs(item_section, m)
        return tuple(pairs)
    return tuple(LearningRate(lm, lm if with_head else None) for lm in _rates(m, "learning_rate"))


def _rate_pairs(rates: Section, m: Section) -> tuple[LearningRate, ...]:
    """A {backbone, head} mapping: every combination of its rates."""
    unknown = set(rates.raw) - {"backbone", "head"}
    if unknown:
        raise m.fail("learning_rate", f"takes only 'backbone' and 'head', got {sorted(unknown)}")
    return tuple(
        LearningRate(lm, head) for lm in _rates(rates, "backbone") for head in _rates(rates, "head")
    )


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
        s.int_("pilot_dev_rows", 0),
        s.int_("size_limit", 1, optional=True),
    )
