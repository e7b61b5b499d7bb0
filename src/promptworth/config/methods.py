"""The table of methods: for each, its stage family, what trains, how it is saved and read out.

Scripts, params validation and the report ask this table instead of comparing method names; it
and methods/registry.py (how each method trains, saves, loads and reads out) are the only modules
that look at a method's family, what it trains or its role.
Families are the DVC stage families of dvc.yaml; each matrix runs over only the axes its runs read:

    head      run_head          method x size x seed            (no pattern)
    prompt    run_prompt        method x pattern x size x seed
    icl_zero  run_icl_zero      pattern                         (no data, no training)
    icl_few   run_icl_few       pattern x size x seed           (no training)

A run is one stage: it trains (if its method trains) and scores the test rows; the `read` stage
turns every run's saved scores into readings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The stage families and the matrix axes of each (dvc.yaml; params.yaml's grid.<family>).
FAMILY_AXES = {
    "head": ("methods", "sizes", "seeds"),
    "prompt": ("methods", "patterns", "sizes", "seeds"),
    "icl_zero": ("patterns",),
    "icl_few": ("patterns", "sizes", "seeds"),
}
FAMILIES = tuple(FAMILY_AXES)
PANELS = ("head", "prompt", "in-context")  # the figure's lower panels, left to right


@dataclass(frozen=True)
class Method:
    name: str
    family: str  # one of FAMILIES
    # What trains: "head" (a linear head on frozen-LM features), "head+lm" (head and every LM
    # weight), "lm" (every LM weight, next-token loss on the label word), "lora" (low-rank
    # adapters), "soft_prompt" (virtual-token embeddings), None (nothing: in-context learning).
    trains: str | None
    # The reading curves and advantages use: "argmax" of a head, or "rank" (label-word likelihood).
    reading: str
    # baseline: a head the prompt is compared with; prompt: a prompt-side method; control: the
    # null-verbaliser control; reference: no training data at all (a flat line in the plot).
    role: str
    # Targets are the pattern's label words ("pattern") or the method's own unrelated words
    # (methods.<name>.label_words: the null-verbaliser control).
    targets: str = "pattern"
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
    def settings(self) -> tuple[str, ...]:
        """The keys it reads under methods.<name> in params.yaml."""
        keys = ["learning_rate"] if self.is_trained else []
        keys += ["generate"] if self.family == "prompt" else []
        keys += ["label_words"] if self.has_own_words else []
        keys += ["rank", "alpha", "dropout"] if self.trains == "lora" else []
        keys += ["virtual_tokens", "init_text"] if self.trains == "soft_prompt" else []
        keys += ["shots", "max_tokens"] if self.family == "icl_few" else []
        return tuple(keys)

    @property
    def has_own_words(self) -> bool:
        """Trains on its own target words (methods.<name>.label_words), not the pattern's."""
        return self.targets == "own"

    @property
    def has_head_rate(self) -> bool:
        """A pretrained LM and a fresh head train together, each at its own learning rate."""
        return self.trains == "head+lm"

    @property
    def panel(self) -> str:
        """Its panel in the learning-curve figure (the in-context families share one)."""
        return "in-context" if self.family in ("icl_zero", "icl_few") else self.family

    @property
    def checkpoint(self) -> str | None:
        """What its run stage saves under data/runs/<run>/ with train.keep_checkpoint."""
        return CHECKPOINTS[self.trains] if self.trains else None


# How each kind of training is saved (and therefore loaded back).
CHECKPOINTS = {
    "head": "head.safetensors (the LM is unchanged)",
    "head+lm": "backbone/ (HF directory) + head.safetensors",
    "lm": "lm/ (HF directory)",
    "lora": "adapter/ (peft LoRA weights only)",
    "soft_prompt": "adapter/ (peft virtual-token embeddings only)",
}

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "head_frozen", "head", "head", "argmax", "baseline",
            summary="linear head on the frozen LM's last non-pad hidden state",
        ),
        Method(
            "head_full", "head", "head+lm", "argmax", "baseline",
            summary="the same head, every LM weight trains (Le Scao & Rush's baseline)",
        ),
        Method(
            "prompt", "prompt", "lm", "rank", "prompt",
            summary="the pattern, every LM weight tuned with next-token loss on the label word",
        ),
        Method(
            "prompt_null", "prompt", "lm", "rank", "control", targets="own",
            summary="prompt with unrelated target words (control: no label semantics)",
        ),
        Method(
            "prompt_lora", "prompt", "lora", "rank", "prompt",
            summary="prompt with low-rank adapters only (peft LoRA); the LM stays frozen",
        ),
        Method(
            "prompt_tuning", "prompt", "soft_prompt", "rank", "prompt",
            summary="prompt with trainable virtual-token embeddings only (Lester et al. 2021)",
        ),
        Method(
            "icl_zero", "icl_zero", None, "rank", "reference",
            summary="no training: the pattern alone, rank-classified",
        ),
        Method(
            "icl_few", "icl_few", None, "rank", "prompt",
            summary="no training: demonstrations from the run's subset, then the query",
        ),
    )
}  # fmt: skip


def comparison_pairs(series: Sequence[str]) -> list[tuple[str, str]]:
    """(prompt side, baseline side) pairs of the data-advantage table, for `series` named
    `method/reading`: every reading of a prompt-side method against each baseline's, and each
    control against the prompt method that trains as it does, reading for reading."""
    present = set(series)

    def role(s: str) -> str:
        return METHODS[s.split("/")[0]].role

    baselines = sorted(s for s in present if role(s) == "baseline")
    prompt_side = sorted(s for s in present if role(s) == "prompt")
    pairs = [(p, b) for p in prompt_side for b in baselines]
    for control in sorted(s for s in present if role(s) == "control"):
        method, reading = control.split("/", 1)
        spec = METHODS[method]
        for twin in (m for m in METHODS.values() if m.role == "prompt" and m.trains == spec.trains):
            if f"{twin.name}/{reading}" in present:
                pairs.append((f"{twin.name}/{reading}", control))
    return pairs


def methods_of(family: str) -> tuple[str, ...]:
    return tuple(name for name, m in METHODS.items() if m.family == family)


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
        return METHODS[self.method]

    @property
    def training_points(self) -> int:
        """Labelled training rows the run uses (0 for zero-shot)."""
        return self.size or 0
