"""Load and validate params.yaml once, into typed settings the library functions take.

Every error names the offending key and, where it helps, the allowed values, so a bad
`dvc exp run -S key=value` fails before any work starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .grid import HEAD_METHODS, ICL_METHODS, METHODS, PROMPT_METHODS, RunLimits

VERBALISERS = ("exact", "rouge", "bertscore")
# Accepted peak learning rates, for every method and part.
LEARNING_RATE_RANGE = (1e-12, 10.0)


class ParamsError(ValueError):
    """A parameter in params.yaml is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class DataParams:
    source: str
    test_source: str | None
    label_names: tuple[str, ...]


@dataclass(frozen=True)
class ModelParams:
    name: str


@dataclass(frozen=True)
class SampleParams:
    sizes: tuple[int, ...]
    seeds: tuple[int, ...]
    stratify: bool
    dev_size: int
    split_seed: int


@dataclass(frozen=True)
class Pattern:
    template: str
    label_words: tuple[str, ...]


@dataclass(frozen=True)
class FormatParams:
    patterns: dict[str, Pattern]
    null_label_words: tuple[str, ...]
    max_article_tokens: int

    def for_run(self, method: str, pattern: str) -> Pattern:
        """The template and target words a run uses: prompt_null swaps in the null words."""
        chosen = self.patterns[pattern]
        if method == "prompt_null":
            return Pattern(chosen.template, self.null_label_words)
        return chosen


@dataclass(frozen=True)
class EarlyStopping:
    patience: int | None  # None: train every planned step, keep the last weights
    eval_interval: int


@dataclass(frozen=True)
class LoraParams:
    rank: int
    alpha: int
    dropout: float


@dataclass(frozen=True)
class IclParams:
    shots: int
    max_tokens: int | None


@dataclass(frozen=True)
class TrainParams:
    methods: tuple[str, ...]
    patterns: tuple[str, ...]
    epochs: int
    min_steps: int
    max_steps: int | None
    batch_size: int
    learning_rate: dict[str, float]  # the LM's (or the only trained part's) peak rate
    head_learning_rate: float | None  # head_full's fresh head (None: head_full not run)
    weight_decay: float
    warmup_ratio: float
    early_stopping: EarlyStopping
    lora: LoraParams
    virtual_tokens: int
    icl: IclParams
    eval_batch_size: int
    limits: dict[str, RunLimits]
    group_by_length: bool
    compile: bool
    gradient_checkpointing: bool
    num_processes: int

    @property
    def main_pattern(self) -> str:
        """train.main_pattern; validation puts it first in `patterns`."""
        return self.patterns[0]


@dataclass(frozen=True)
class BertScoreParams:
    model: str
    num_layers: int
    threshold: float


@dataclass(frozen=True)
class EvalParams:
    test_size: int | None
    batch_size: int
    max_new_tokens: int
    generation_methods: tuple[str, ...]
    verbalisers: tuple[str, ...]
    rouge_threshold: float
    bertscore: BertScoreParams


@dataclass(frozen=True)
class ReportParams:
    accuracy_levels: int
    baseline: str
    prompt_reading: str


@dataclass(frozen=True)
class RuntimeParams:
    gpu: int | None


@dataclass(frozen=True)
class Params:
    data: DataParams
    model: ModelParams
    sample: SampleParams
    format: FormatParams
    train: TrainParams
    eval: EvalParams
    report: ReportParams
    runtime: RuntimeParams


class _Section:
    """Typed accessors over one mapping of params.yaml that know the dotted key for errors."""

    def __init__(self, raw: Any, key: str):
        if not isinstance(raw, dict):
            where = f"'{key}'" if key else "the params file"
            raise ParamsError(f"params: {where} must be a mapping, got {type(raw).__name__}")
        self.raw, self.key = raw, key

    def dotted(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def _get(self, name: str) -> Any:
        if name not in self.raw:
            raise ParamsError(f"params: missing key '{self.dotted(name)}'")
        return self.raw[name]

    def fail(self, name: str, why: str) -> ParamsError:
        return ParamsError(f"params: '{self.dotted(name)}' {why}")

    def section(self, name: str) -> _Section:
        return _Section(self._get(name), f"{self.key}.{name}")

    def str_(self, name: str, optional: bool = False) -> str | None:
        value = self._get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"must be a non-empty string, got {value!r}")
        return value

    def int_(self, name: str, minimum: int = 0, optional: bool = False) -> int | None:
        value = self._get(name)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, f"must be an integer >= {minimum}, got {value!r}")
        return value

    def float_(self, name: str, low: float, high: float) -> float:
        value = self._get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise self.fail(name, f"must be a number in [{low}, {high}], got {value!r}")
        return float(value)

    def bool_(self, name: str) -> bool:
        value = self._get(name)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def list_(self, name: str) -> list:
        value = self._get(name)
        if not isinstance(value, list) or not value:
            raise self.fail(name, f"must be a non-empty list, got {value!r}")
        if len(set(map(str, value))) != len(value):
            raise self.fail(name, f"has duplicate entries: {value!r}")
        return value

    def choices(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        values = self.list_(name)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise self.fail(name, f"has unknown value(s) {bad}; allowed: {list(allowed)}")
        return tuple(values)

    def ints(self, name: str, minimum: int) -> tuple[int, ...]:
        values = self.list_(name)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                raise self.fail(name, f"must hold integers >= {minimum}, got {v!r} in {values}")
        return tuple(values)


def _data(s: _Section) -> DataParams:
    names = s.list_("label_names")
    if len(names) < 2 or not all(isinstance(n, str) and n.strip() for n in names):
        raise s.fail("label_names", f"must list at least 2 non-empty class names, got {names!r}")
    return DataParams(s.str_("source"), s.str_("test_source", optional=True), tuple(names))


def _label_words(s: _Section, name: str, num_labels: int) -> tuple[str, ...]:
    words = s.list_(name)
    if len(words) != num_labels or not all(isinstance(w, str) and w.strip() for w in words):
        raise s.fail(
            name,
            f"must give one non-empty word per class ({num_labels}, as data.label_names), "
            f"got {words!r}",
        )
    return tuple(words)


def _pattern(s: _Section, num_labels: int) -> Pattern:
    template = s.str_("template")
    if template.count("{text}") != 1:
        raise s.fail("template", f"must contain '{{text}}' exactly once, got {template!r}")
    try:
        template.replace("{text}", "").format()
    except (IndexError, KeyError, ValueError) as err:
        raise s.fail("template", f"may hold no placeholder but {{text}} ({err})") from err
    return Pattern(template, _label_words(s, "label_words", num_labels))


def _format(s: _Section, num_labels: int) -> FormatParams:
    table = s.section("patterns")
    if not table.raw:
        raise s.fail("patterns", "must define at least one pattern")
    patterns = {str(name): _pattern(table.section(name), num_labels) for name in table.raw}
    for name in patterns:
        if not name.replace("_", "").isalnum():
            raise table.fail(name, "pattern names may hold only letters, digits and '_'")
    return FormatParams(
        patterns,
        _label_words(s, "null_label_words", num_labels),
        s.int_("max_article_tokens", 1),
    )


def _train(s: _Section, pattern_names: tuple[str, ...]) -> TrainParams:
    methods = s.choices("methods", METHODS)
    patterns = s.choices("patterns", pattern_names)
    main = s.str_("main_pattern")
    if main not in patterns:
        raise s.fail(
            "main_pattern", f"must be one of train.patterns {list(patterns)}, got {main!r}"
        )
    # The main pattern first: the report and planned_runs read it as patterns[0].
    patterns = (main,) + tuple(p for p in patterns if p != main)
    lr = s.section("learning_rate")
    rates = {
        m: lr.float_(m, *LEARNING_RATE_RANGE)
        for m in methods
        if m not in ICL_METHODS and m != "head_full"
    }
    head_rate = None
    if "head_full" in methods:
        rates["head_full"], head_rate = _head_full_rates(lr)
    min_steps = s.int_("min_steps", 0)
    max_steps = s.int_("max_steps", 1, optional=True)
    if max_steps is not None and max_steps < min_steps:
        raise s.fail("max_steps", f"({max_steps}) must be >= train.min_steps ({min_steps})")
    limits = {}
    section = s.section("limits")
    for m in methods:
        lim = section.section(m)
        limits[m] = RunLimits(
            max_size=lim.int_("max_size", 1, optional=True),
            seeds=lim.int_("seeds", 1, optional=True),
            seeds_at_max_size=lim.int_("seeds_at_max_size", 1, optional=True),
            all_patterns=lim.bool_("all_patterns"),
        )
    stop = s.section("early_stopping")
    lora = s.section("lora")
    icl = s.section("icl")
    return TrainParams(
        methods=methods,
        patterns=patterns,
        epochs=s.int_("epochs", 1),
        min_steps=min_steps,
        max_steps=max_steps,
        batch_size=s.int_("batch_size", 1),
        learning_rate=rates,
        head_learning_rate=head_rate,
        weight_decay=s.float_("weight_decay", 0.0, 1.0),
        warmup_ratio=s.float_("warmup_ratio", 0.0, 1.0),
        early_stopping=EarlyStopping(
            stop.int_("patience", 1, optional=True), stop.int_("eval_interval", 1)
        ),
        lora=LoraParams(lora.int_("rank", 1), lora.int_("alpha", 1), lora.float_("dropout", 0, 1)),
        virtual_tokens=s.section("prompt_tuning").int_("virtual_tokens", 1),
        icl=IclParams(icl.int_("shots", 1), icl.int_("max_tokens", 1, optional=True)),
        eval_batch_size=s.int_("eval_batch_size", 1),
        limits=limits,
        group_by_length=s.bool_("group_by_length"),
        compile=s.bool_("compile"),
        gradient_checkpointing=s.bool_("gradient_checkpointing"),
        num_processes=s.int_("num_processes", 1),
    )


def _head_full_rates(lr: _Section) -> tuple[float, float]:
    """(LM rate, head rate) for head_full: a number sets both; {backbone, head} sets them apart,
    since a head starting from random weights needs far larger steps than the pretrained LM."""
    if not isinstance(lr.raw.get("head_full"), dict):
        rate = lr.float_("head_full", *LEARNING_RATE_RANGE)
        return rate, rate
    rates = lr.section("head_full")
    unknown = set(rates.raw) - {"backbone", "head"}
    if unknown:
        raise lr.fail("head_full", f"takes only 'backbone' and 'head', got {sorted(unknown)}")
    return rates.float_("backbone", *LEARNING_RATE_RANGE), rates.float_(
        "head", *LEARNING_RATE_RANGE
    )


def _eval(s: _Section) -> EvalParams:
    bs = s.section("bertscore")
    return EvalParams(
        test_size=s.int_("test_size", 1, optional=True),
        batch_size=s.int_("batch_size", 1),
        max_new_tokens=s.int_("max_new_tokens", 1),
        generation_methods=_optional_choices(s, "generation_methods", PROMPT_METHODS),
        verbalisers=s.choices("verbalisers", VERBALISERS),
        rouge_threshold=s.float_("rouge_threshold", 0.0, 1.0),
        bertscore=BertScoreParams(
            bs.str_("model"), bs.int_("num_layers", 1), bs.float_("threshold", -1.0, 1.0)
        ),
    )


def _optional_choices(s: _Section, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Like choices, but an empty list is allowed."""
    return () if s._get(name) == [] else s.choices(name, allowed)


def _report(s: _Section) -> ReportParams:
    baseline = s.str_("baseline")
    if baseline not in HEAD_METHODS:
        raise s.fail("baseline", f"must be one of {list(HEAD_METHODS)}, got {baseline!r}")
    reading = s.str_("prompt_reading")
    allowed = prompt_readings(VERBALISERS)
    if reading not in allowed:
        raise s.fail("prompt_reading", f"must be one of {list(allowed)}, got {reading!r}")
    return ReportParams(s.int_("accuracy_levels", 2), baseline, reading)


def prompt_readings(verbalisers: tuple[str, ...]) -> tuple[str, ...]:
    """Names of the prompt method's readings: rank classification (plain, length-normalised and
    contextually calibrated) and one per verbaliser applied to greedy generations."""
    return ("rank", "rank_norm", "rank_cal") + tuple(f"gen_{v}" for v in verbalisers)


def parse_params(raw: Any) -> Params:
    """Validate a params mapping (as loaded from params.yaml) into typed settings."""
    root = _Section(raw, "")

    def section(name: str) -> _Section:
        return _Section(root._get(name), name)

    data = _data(section("data"))
    sample = section("sample")
    fmt = _format(section("format"), len(data.label_names))
    train = _train(section("train"), tuple(fmt.patterns))
    sizes = sample.ints("sizes", 1)
    for m, lim in train.limits.items():
        if lim.max_size is not None and lim.max_size < min(sizes):
            raise ParamsError(
                f"params: 'train.limits.{m}.max_size' ({lim.max_size}) is below every size in "
                f"sample.sizes {sorted(sizes)}: {m} would never run"
            )
    return Params(
        data=data,
        model=ModelParams(section("model").str_("name")),
        sample=SampleParams(
            sizes=tuple(sorted(sample.ints("sizes", 1))),
            seeds=sample.ints("seeds", 0),
            stratify=sample.bool_("stratify"),
            dev_size=sample.int_("dev_size", 0),
            split_seed=sample.int_("split_seed", 0),
        ),
        format=fmt,
        train=train,
        eval=_eval(section("eval")),
        report=_report(section("report")),
        runtime=RuntimeParams(section("runtime").int_("gpu", 0, optional=True)),
    )


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml; raises ParamsError naming the bad key."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"params file not found: {path}")
    with path.open() as fh:
        return parse_params(yaml.safe_load(fh))
