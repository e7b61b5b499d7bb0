"""What a method is (its declaration), and how one is found by name: one module per method
(a kind of training and its readout) under promptworth/methods/kinds/, named as the method.

A method's module declares `METHOD` (a `Method`: its stage family, what trains, its reading,
role and the settings it reads) and `behaviour()` (how it trains, is saved, loaded, scored and
costed; methods/registry.py's `Behaviour`). `kind_module` is the one lookup by name; every
other module asks the declaration or the behaviour and never compares method names, families,
what trains or roles (tests/test_layout.py), so a new method is one new file plus its params.

Why modules rather than a table: a run stage depends on its own method's module (dvc.yaml's
`src/promptworth/methods/kinds/${item.method}.py`), so adding or changing a method re-runs only
its own runs. Declarations are light to import (the heavy machinery loads inside
`behaviour()`), so validating params.yaml against them costs a stage no start time.
Families are the DVC stage families of dvc.yaml; each matrix runs over only the axes its runs
read:

    head      run_head          method x size x seed            (no pattern)
    prompt    run_prompt        method x pattern x size x seed
    icl_zero  run_icl_zero      pattern                         (no data, no training)
    icl_few   run_icl_few       pattern x size x seed           (no training)

A run is one stage: it trains (if its method trains) and scores the test rows; the `read` stage
turns every run's saved scores into readings.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

# The stage families and the matrix axes of each (dvc.yaml; params.yaml's grid.<family>).
FAMILY_AXES = {
    "head": ("methods", "sizes", "seeds"),
    "prompt": ("methods", "patterns", "sizes", "seeds"),
    "icl_zero": ("patterns",),
    "icl_few": ("patterns", "sizes", "seeds"),
}
FAMILIES = tuple(FAMILY_AXES)
PANELS = ("head", "prompt", "in-context")  # the figure's lower panels, left to right


KINDS_PACKAGE = "promptworth.methods.kinds"  # one module per method, named as the method


@dataclass(frozen=True)
class Method:
    """A method's declaration (its module's METHOD): what it is, not how it runs."""

    name: str  # the module's name: promptworth/methods/kinds/<name>.py
    family: str  # one of FAMILIES
    # What trains, in a word for records and the plan: "head" (a linear head on frozen-LM
    # features), "head+lm", "lm" (every LM weight), "lora", "soft_prompt", "norms", ...;
    # None: nothing (in-context learning). How it trains is the module's behaviour().
    trains: str | None
    # The reading curves and advantages use: "argmax" of a head, or "rank" (label-word likelihood).
    reading: str
    # baseline: a head the prompt is compared with; prompt: a prompt-side method; control: the
    # null-verbaliser control; reference: no training data at all (a flat line in the plot).
    role: str
    # The keys it reads under methods.<name> in params.yaml (config/readers.py reads each).
    settings: tuple[str, ...] = ()
    # Targets are the pattern's label words ("pattern") or the method's own unrelated words
    # (methods.<name>.label_words: the null-verbaliser control).
    targets: str = "pattern"
    # What its run stage saves under data/runs/<run>/ with train.keep_checkpoint.
    checkpoint: str | None = None
    # A pretrained LM and a fresh head train together, each at its own learning rate.
    has_head_rate: bool = False
    summary: str = ""

    @property
    def reads_pattern(self) -> bool:
        return self.family != "head"

    @property
    def uses_training_data(self) -> bool:
        return self.family != "icl_zero"

    @property
    def is_trained(self) -> bool:
        return self.trains is not None

    @property
    def has_own_words(self) -> bool:
        """Trains on its own target words (methods.<name>.label_words), not the pattern's."""
        return self.targets == "own"

    @property
    def panel(self) -> str:
        """Its panel in the learning-curve figure (the in-context families share one)."""
        return "in-context" if self.family in ("icl_zero", "icl_few") else self.family

    def record(self) -> dict:
        """The declaration as a run's scores.json keeps it: a change to it changes the run's
        output, so every stage that reads the run re-runs."""
        return {"family": self.family, "trains": self.trains, "reading": self.reading,
                "role": self.role, "targets": self.targets}  # fmt: skip


def method_names() -> tuple[str, ...]:
    """Every method there is: the modules of the kinds package (found without importing them)."""
    package = importlib.import_module(KINDS_PACKAGE)
    return tuple(sorted(m.name for m in pkgutil.iter_modules(package.__path__)))


@functools.cache
def kind_module(name: str) -> ModuleType:
    """The module of method `name` (promptworth.methods.kinds.<name>): the one lookup by name.
    KeyError naming the known methods when there is no such module."""
    if not name.isidentifier() or name not in method_names():
        raise KeyError(f"no method {name!r} (no promptworth/methods/kinds/{name}.py); "
                       f"the methods are {list(method_names())}")  # fmt: skip
    module = importlib.import_module(f"{KINDS_PACKAGE}.{name}")
    declared = getattr(module, "METHOD", None)
    if not isinstance(declared, Method) or declared.name != name:
        raise TypeError(f"{module.__file__} must declare METHOD = Method({name!r}, ...)")
    if declared.family not in FAMILIES:
        raise TypeError(f"{module.__file__}: family {declared.family!r} is not one of {FAMILIES}")
    return module


def find_method(name: str) -> Method:
    """Method `name`'s declaration."""
    return kind_module(name).METHOD


def methods_of(family: str) -> tuple[str, ...]:
    return tuple(name for name in method_names() if find_method(name).family == family)


def comparison_pairs(series: Sequence[str]) -> list[tuple[str, str]]:
    """(prompt side, baseline side) pairs of the data-advantage table, for `series` named
    `method/reading`: every reading of a prompt-side method against each baseline's, and each
    control against the prompt method that trains as it does, reading for reading."""
    present = set(series)

    def spec(s: str) -> Method:
        return find_method(s.split("/")[0])

    baselines = sorted(s for s in present if spec(s).role == "baseline")
    prompt_side = sorted(s for s in present if spec(s).role == "prompt")
    pairs = [(p, b) for p in prompt_side for b in baselines]
    for control in sorted(s for s in present if spec(s).role == "control"):
        reading = control.split("/", 1)[1]
        for twin in prompt_side:
            if twin.endswith(f"/{reading}") and spec(twin).trains == spec(control).trains:
                pairs.append((twin, control))
    return pairs


@dataclass(frozen=True, order=True)
class Run:
    """One cell of a stage family: the method and the axes its family has (others None)."""

    method: str
    pattern: str | None = None
    size: int | None = None
    seed: int | None = None

    @property
    def name(self) -> str:
        """Its folder under data/runs and data/eval: the method and its axes, '-'-joined in
        dvc.yaml's matrix order (run_prompt@prompt_lora-question-10-0 -> that name)."""
        parts = [self.method, self.pattern, self.size, self.seed]
        return "-".join(str(p) for p in parts if p is not None)

    def identity(self) -> dict:
        """The fields every record of the run starts with (train.json, metrics.json)."""
        return {"run": self.name, "method": self.method, "pattern": self.pattern,
                "size": self.size, "seed": self.seed}  # fmt: skip

    @property
    def spec(self) -> Method:
        return find_method(self.method)

    @property
    def training_points(self) -> int:
        """Labelled training rows the run uses (0 for zero-shot)."""
        return self.size or 0
