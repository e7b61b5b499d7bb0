"""The typed settings params.yaml is validated into: one frozen dataclass per section, and the
constants that bound their values. Library functions take these, never the raw file."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from promptworth.config.methods import FAMILIES, FAMILY_AXES, Run, methods_of

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
    "bad_encoding": ("refuse", "replace"),
}


@dataclass(frozen=True)
class DataChecks:
    missing_class: str  # a class with no training rows: refuse | allow
    test_overlap: str  # training rows whose normalised text is in the test split
    train_duplicates: str  # training rows repeating an earlier one (normalised text)
    bad_encoding: str = "refuse"  # bytes of a local text file that are not UTF-8: refuse | replace


@dataclass(frozen=True)
class CarveSpec:
    """A test split cut out of a source without one (data.test_carve): a row range [start,
    stop) of the source, or a stratified sample of `size` rows drawn with `seed`."""

    rows: tuple[int, int] | None = None
    size: int | None = None
    seed: int = 0


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
    test_carve: CarveSpec | None = None  # None: the test rows are a split of their own

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
        from promptworth.core.text import template_slots

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

    def family_runs(self, name: str) -> list[Run]:
        """The runs of one family, in dvc.yaml's matrix order (method x pattern x size x seed,
        over the axes it has; a family without a method axis runs each of its methods)."""
        f, axes = self.family(name), FAMILY_AXES[name]
        methods = f.methods if "methods" in axes else methods_of(name)
        patterns = f.patterns if "patterns" in axes else (None,)
        sizes = f.sizes if "sizes" in axes else (None,)
        seeds = f.seeds if "seeds" in axes else (None,)
        return [Run(*cell) for cell in itertools.product(methods, patterns, sizes, seeds)]

    def runs(self) -> list[Run]:
        """Every run the grid asks for, family by family, in dvc.yaml's matrix order."""
        return [run for name in FAMILIES for run in self.family_runs(name)]

    @property
    def seeds(self) -> tuple[int, ...]:
        """Every data seed some run uses (one nested permutation each); a family with seeds but
        no runs (no methods or patterns) asks for none."""
        return tuple(sorted({r.seed for r in self.runs() if r.seed is not None}))

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
    keep_checkpoint: bool = False  # save the trained weights beside the run's scores
    length_buckets: tuple[int, ...] | None = None  # fixed padded lengths (GPU: static shapes)
    precision: str = "mixed"  # mixed: fp32 weights and autocast; bf16: bf16 weights (CUDA)


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
    pilot_dev_rows: int = 0  # dev rows a pilot read to choose settings (the labelled budget)
    size_limit: int | None = None  # the protocol's largest size (compute): the stopping rule


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
        if run.spec.has_own_words:
            return Pattern(chosen.template, self.methods[run.method].label_words)
        return chosen


def prompt_readings(verbalisers: tuple[str, ...]) -> tuple[str, ...]:
    """Names of an LM method's readings: rank classification (plain, length-normalised and
    contextually calibrated) and one per verbaliser applied to greedy generations."""
    return ("rank", "rank_norm", "rank_cal") + tuple(f"gen_{v}" for v in verbalisers)
