"""The table of methods: for each, its stage family, what trains, how it is saved and read out.

Scripts, params validation and the report ask this table instead of comparing method names.
Families are the DVC stage families of dvc.yaml; each matrix runs over only the axes its runs read:

    head      train_head / evaluate_head          method x size x seed     (no pattern)
    prompt    train_prompt / evaluate_prompt      method x pattern x size x seed
    icl_zero  evaluate_icl_zero                   pattern                  (no data, no training)
    icl_few   evaluate_icl_few                    pattern x size x seed    (no training)
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES = ("head", "prompt", "icl_zero", "icl_few")


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
    def checkpoint(self) -> str | None:
        """What its train stage saves under data/runs/<run>/."""
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
        dvc.yaml's matrix order (train_prompt@prompt_lora-question-10-0 -> that name)."""
        parts = [self.method, self.pattern, self.size, self.seed]
        return "-".join(str(p) for p in parts if p is not None)

    @property
    def train_stage(self) -> str:
        """The dvc.yaml stage that trains it (train_prompt@prompt-instruct-10-0)."""
        return f"train_{self.spec.family}@{self.name}"

    @property
    def spec(self) -> Method:
        return METHODS[self.method]

    @property
    def training_points(self) -> int:
        """Labelled training rows the run uses (0 for zero-shot)."""
        return self.size or 0
