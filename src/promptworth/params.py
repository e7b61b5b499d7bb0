"""Load and validate params.yaml once, into typed settings the library functions take.

Every error names the file, the line and the offending key (`params.yaml:57: 'train.batch_size'
must be an integer >= 1, got 0`), so a bad `dvc exp run -S key=value` fails before any work starts.
Numbers are read as YAML 1.2 (as DVC writes them): `1e-5` is a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ParamsError
from .methods import FAMILIES, METHODS, Run, methods_of
from .yaml12 import load_yaml_file

VERBALISERS = ("exact", "rouge", "bertscore")
# Fewer input tokens than this cannot hold a sentence: every article would be cut to a word or
# two and no method could read its class (format.max_input_tokens).
MIN_INPUT_TOKENS = 8
# Accepted peak learning rates, for every method and part.
LEARNING_RATE_RANGE = (1e-12, 10.0)
# What the download stage does with a data problem that can be legitimate (data.checks).
CHECK_ACTIONS = {
    "missing_class": ("refuse", "allow"),
    "test_overlap": ("drop", "refuse", "keep"),
    "train_duplicates": ("drop", "refuse", "keep"),
}


@dataclass(frozen=True)
class DataChecks:
    missing_class: str  # a class with no training rows: refuse | allow
    test_overlap: str  # training rows whose normalised text is in the test split
    train_duplicates: str  # training rows repeating an earlier one (normalised text)


@dataclass(frozen=True)
class DataParams:
    """A task: where its rows are, which split trains and which tests, its columns, its classes."""

    source: str  # hub id, local file, or a datasets.save_to_disk folder
    config: str | None  # hub configuration (glue: rte)
    test_source: str | None  # a local test file (for a local source of one split)
    train_split: str
    test_split: str
    inputs: tuple[str, ...]  # input columns, named by the patterns' slots
    label_column: str
    label_names: tuple[str, ...] | None  # None: the dataset's ClassLabel names
    checks: DataChecks

    @property
    def num_labels(self) -> int | None:
        return None if self.label_names is None else len(self.label_names)


@dataclass(frozen=True)
class SampleParams:
    stratify: bool
    dev_size: int
    split_seed: int
    test_size: int | None


@dataclass(frozen=True)
class Pattern:
    template: str
    label_words: tuple[str, ...]

    @property
    def slots(self) -> set[str]:
        from .prompts import template_slots

        return set(template_slots(self.template))


@dataclass(frozen=True)
class FormatParams:
    patterns: dict[str, Pattern]
    max_input_tokens: int


@dataclass(frozen=True)
class Family:
    """The axes of one stage family (empty tuples for axes the family does not have)."""

    methods: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    sizes: tuple[int, ...] = ()
    seeds: tuple[int, ...] = ()


@dataclass(frozen=True)
class GridParams:
    head: Family
    prompt: Family
    icl_zero: Family
    icl_few: Family

    def family(self, name: str) -> Family:
        return getattr(self, name)

    def runs(self) -> list[Run]:
        """Every run the grid asks for, family by family, in dvc.yaml's matrix order."""
        h, p, z, f = self.head, self.prompt, self.icl_zero, self.icl_few
        return (
            [Run(m, None, n, s) for m in h.methods for n in h.sizes for s in h.seeds]
            + [
                Run(m, pat, n, s)
                for m in p.methods
                for pat in p.patterns
                for n in p.sizes
                for s in p.seeds
            ]
            + [Run("icl_zero", pat) for pat in z.patterns]
            + [Run("icl_few", pat, n, s) for pat in f.patterns for n in f.sizes for s in f.seeds]
        )

    @property
    def seeds(self) -> tuple[int, ...]:
        """Every data seed some family uses (one nested permutation each)."""
        return tuple(sorted({s for f in FAMILIES for s in self.family(f).seeds}))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(sorted({n for f in FAMILIES for n in self.family(f).sizes}))


@dataclass(frozen=True)
class EarlyStopping:
    patience: int | None  # None: train every planned step, keep the last weights
    eval_interval: int


@dataclass(frozen=True)
class TrainParams:
    """Settings shared by every trained method (per-method ones are in MethodParams)."""

    epochs: int
    min_steps: int
    max_steps: int | None
    batch_size: int
    weight_decay: float
    warmup_ratio: float
    early_stopping: EarlyStopping
    eval_batch_size: int
    group_by_length: bool
    compile: bool
    gradient_checkpointing: bool
    num_processes: int
    cpu_bf16: bool | str  # auto | true | false: bf16 autocast on a CPU (hardware.choose_cpu_bf16)


@dataclass(frozen=True)
class LearningRate:
    """Peak rate of the LM (or of the only trained part) and of head_full's fresh head."""

    lm: float
    head: float | None = None


@dataclass(frozen=True)
class MethodParams:
    """One method's own settings (methods.<name>); fields a method has no use for stay None."""

    # Candidate learning rates: one trains the run once; several train it once per candidate
    # and keep the one with the best dev accuracy (chosen on dev rows only).
    learning_rates: tuple[LearningRate, ...] = ()
    generate: bool = False  # also read greedy generations through the verbalisers
    label_words: tuple[str, ...] | None = None  # prompt_null's targets
    lora_rank: int | None = None
    lora_alpha: int | None = None
    lora_dropout: float | None = None
    virtual_tokens: int | None = None
    init_text: str | None = None  # prompt tuning: the text its virtual tokens start from
    shots: int | None = None  # icl_few
    max_tokens: int | None = None  # icl_few: context budget (None: the model's)


@dataclass(frozen=True)
class BertScoreParams:
    model: str
    num_layers: int
    threshold: float | None  # None: the a priori rule of verbalise.bertscore_threshold


@dataclass(frozen=True)
class EvalParams:
    batch_size: int
    max_new_tokens: int
    verbalisers: tuple[str, ...]
    rouge_threshold: float
    bertscore: BertScoreParams
    cpu_bf16: bool | str  # auto | true | false, for features, scoring and generation


@dataclass(frozen=True)
class ReportParams:
    main_pattern: str | None  # None when no family reads a pattern
    accuracy_levels: int
    baseline: str
    prompt_reading: str
    bootstrap_resamples: int
    bootstrap_seed: int


@dataclass(frozen=True)
class Params:
    data: DataParams
    model_name: str
    sample: SampleParams
    format: FormatParams
    grid: GridParams
    train: TrainParams
    methods: dict[str, MethodParams]
    eval: EvalParams
    report: ReportParams
    gpu: int | None  # runtime.gpu

    def pattern_for(self, run: Run) -> Pattern:
        """The template and target words a run uses: the control swaps in its own words."""
        chosen = self.format.patterns[run.pattern]
        if run.spec.targets == "own":
            return Pattern(chosen.template, self.methods[run.method].label_words)
        return chosen


class _Section:
    """Typed accessors over one mapping of params.yaml that know the dotted key and its line."""

    def __init__(self, raw: Any, key: str, ctx: tuple[str, dict[str, int], list]):
        self.raw, self.key, self.ctx = raw, key, ctx
        self.read: set[str] = set()  # the keys validation asked for: any other is unknown
        if not isinstance(raw, dict):
            where = f"'{key}'" if key else "the params file"
            raise self._error(key, f"{where} must be a mapping, got {type(raw).__name__}")
        ctx[2].append(self)

    def _error(self, key: str, text: str) -> ParamsError:
        path, lines, _ = self.ctx
        # The key's own line; for a missing key, its section's.
        line = lines.get(key) or lines.get(key.rpartition(".")[0])
        return ParamsError(f"{path}:{line}: {text}" if line else f"{path}: {text}")

    def dotted(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def has(self, name: str) -> bool:
        return name in self.raw

    def _get(self, name: str) -> Any:
        self.read.add(name)
        if name not in self.raw:
            raise self._error(self.dotted(name), f"missing key '{self.dotted(name)}'")
        return self.raw[name]

    def fail(self, name: str, why: str) -> ParamsError:
        return self._error(self.dotted(name), f"'{self.dotted(name)}' {why}")

    def section(self, name: str) -> _Section:
        return _Section(self._get(name), self.dotted(name), self.ctx)

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

    def bool_or_auto(self, name: str) -> bool | str:
        value = self._get(name)
        if value != "auto" and not isinstance(value, bool):
            raise self.fail(name, f"must be auto, true or false, got {value!r}")
        return value

    def one_of(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self._get(name)
        if value not in allowed:
            raise self.fail(name, f"must be one of {list(allowed)}, got {value!r}")
        return value

    def list_(self, name: str, allow_empty: bool = False) -> list:
        value = self._get(name)
        if value is None and allow_empty:
            return []
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(
                name, f"must be a {'' if allow_empty else 'non-empty '}list, got {value!r}"
            )
        if len(set(map(str, value))) != len(value):
            raise self.fail(name, f"has duplicate entries: {value!r}")
        return value

    def choices(
        self, name: str, allowed: tuple[str, ...], allow_empty: bool = False
    ) -> tuple[str, ...]:
        values = self.list_(name, allow_empty)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise self.fail(name, f"has unknown value(s) {bad}; allowed: {list(allowed)}")
        return tuple(values)

    def ints(self, name: str, minimum: int, allow_empty: bool = False) -> tuple[int, ...]:
        values = self.list_(name, allow_empty)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                raise self.fail(name, f"must hold integers >= {minimum}, got {v!r} in {values}")
        return tuple(values)


def _label_words(s: _Section, name: str, num_labels: int | None) -> tuple[str, ...]:
    """One target word per class; distinct and not punctuation-only once normalised as the exact
    verbaliser normalises (" World" and " world" would be one class to it; " ?" nothing). With
    the class names from the dataset (data.label_names null), the count is checked at download."""
    from .verbalise import normalise

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


def _data(s: _Section) -> DataParams:
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


def _format(s: _Section, data: DataParams) -> FormatParams:
    from .prompts import template_slots

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


def _grid(s: _Section, pattern_names: tuple[str, ...]) -> GridParams:
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
    return GridParams(
        head=family("head", ("methods", "sizes", "seeds")),
        prompt=family("prompt", ("methods", "patterns", "sizes", "seeds")),
        icl_zero=family("icl_zero", ("patterns",)),
        icl_few=family("icl_few", ("patterns", "sizes", "seeds")),
    )


def _train(s: _Section) -> TrainParams:
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


def _method(s: _Section, name: str, num_labels: int) -> MethodParams:
    """methods.<name>: the settings that method reads, each validated; unknown keys refused."""
    spec = METHODS[name]
    if spec.family == "icl_zero" and not s.has(name):
        return MethodParams()  # nothing to set: no training, no demonstrations
    m = s.section(name)
    values: dict[str, Any] = {}
    allowed: set[str] = set()
    if spec.is_trained:
        allowed.add("learning_rate")
        values["learning_rates"] = _learning_rates(m, spec.trains == "head+lm")
    if spec.family == "prompt":
        allowed.add("generate")
        values["generate"] = m.bool_("generate")
    if spec.targets == "own":
        allowed.add("label_words")
        values["label_words"] = _label_words(m, "label_words", num_labels)
    if spec.trains == "lora":
        allowed |= {"rank", "alpha", "dropout"}
        values.update(
            lora_rank=m.int_("rank", 1),
            lora_alpha=m.int_("alpha", 1),
            lora_dropout=m.float_("dropout", 0.0, 1.0),
        )
    if spec.trains == "soft_prompt":
        allowed |= {"virtual_tokens", "init_text"}
        values["virtual_tokens"] = m.int_("virtual_tokens", 1)
        values["init_text"] = m.str_("init_text")
    if spec.family == "icl_few":
        allowed |= {"shots", "max_tokens"}
        values.update(shots=m.int_("shots", 1), max_tokens=m.int_("max_tokens", 1, optional=True))
    unknown = sorted(set(m.raw) - allowed)
    if unknown:
        raise s.fail(name, f"has unknown key(s) {unknown}; {name} reads {sorted(allowed)}")
    return MethodParams(**values)


def _rates(s: _Section, name: str) -> list[float]:
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


def _learning_rates(m: _Section, with_head: bool) -> tuple[LearningRate, ...]:
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


def _eval(s: _Section) -> EvalParams:
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


def prompt_readings(verbalisers: tuple[str, ...]) -> tuple[str, ...]:
    """Names of an LM method's readings: rank classification (plain, length-normalised and
    contextually calibrated) and one per verbaliser applied to greedy generations."""
    return ("rank", "rank_norm", "rank_cal") + tuple(f"gen_{v}" for v in verbalisers)


def _report(s: _Section, grid: GridParams) -> ReportParams:
    baseline = s.one_of("baseline", methods_of("head"))
    if grid.head.methods and baseline not in grid.head.methods:
        raise s.fail(
            "baseline",
            f"({baseline!r}) is not run: grid.head.methods is {list(grid.head.methods)}; the "
            "headline data advantage compares the prompt with it",
        )
    reading = s.one_of("prompt_reading", prompt_readings(VERBALISERS))
    patterned = {p for f in ("prompt", "icl_zero", "icl_few") for p in grid.family(f).patterns}
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


def parse_params(
    raw: Any, path: str = "params.yaml", lines: dict[str, int] | None = None
) -> Params:
    """Validate a params mapping (as loaded from params.yaml) into typed settings."""
    root = _Section(raw, "", (path, lines or {}, []))
    data = _data(root.section("data"))
    num_labels = data.num_labels
    fmt = _format(root.section("format"), data)
    grid = _grid(root.section("grid"), tuple(fmt.patterns))
    methods_section = root.section("methods")
    unknown = sorted(set(methods_section.raw) - set(METHODS))
    if unknown:
        raise methods_section._error(
            "methods", f"'methods' has unknown method(s) {unknown}; the methods are {list(METHODS)}"
        )
    in_grid = {r.method for r in grid.runs()}
    methods = {
        name: _method(methods_section, name, num_labels)
        for name in METHODS
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
        train=_train(root.section("train")),
        methods=methods,
        eval=_eval(root.section("eval")),
        report=_report(root.section("report"), grid),
        gpu=root.section("runtime").int_("gpu", 0, optional=True),
    )
    _refuse_unknown_keys(root.ctx[2])
    _check_combinations(params, root)
    return params


# Sections whose keys are names (methods, patterns, grid families) check them where they are read.
NAMED_KEY_SECTIONS = ("grid", "methods", "format.patterns")


def _refuse_unknown_keys(sections: list[_Section]) -> None:
    """A key no validation read is a typo or a setting this version does not have (a `dvc exp run
    -S +train.epoch=3` adds it silently): refuse it, with the closest known key."""
    import difflib

    for section in sections:
        if any(section.key == k or section.key.startswith(k + ".") for k in NAMED_KEY_SECTIONS):
            continue
        for name in section.raw:
            if name in section.read:
                continue
            known = sorted(section.read)
            close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
            hint = f"; did you mean '{section.dotted(close[0])}'?" if close else ""
            where = f"'{section.key}'" if section.key else "the params file"
            raise section._error(
                section.dotted(str(name)),
                f"unknown key '{section.dotted(str(name))}'{hint} ({where} has {known})",
            )


def _check_combinations(params: Params, root: _Section) -> None:
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
