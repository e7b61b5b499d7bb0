"""The registry: how a method trains, is saved, loaded, scored and costed, found by name.

Each method is one module, promptworth/methods/kinds/<name>.py (config/methods.py's
`kind_module` finds it): its METHOD says *what* it is, its `behaviour()` builds the `Behaviour`
below from the shapes this module offers (`Trainer`, `head_trainer`, `prompt_trainer`,
`score_head`, `lm_scorer`). Every other module asks `behaviour(run)` and calls what it gets, so
none branches on a method's family, what it trains, its role or its name. A new method is one
new module plus its params (CONTRIBUTING.md walks through one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from torch import nn

from promptworth.config.methods import Method, Run, kind_module
from promptworth.config.schema import Params
from promptworth.core.paths import MODEL
from promptworth.data.prompts import content_free_prompt
from promptworth.data.runs import LABEL_LOG_LIKELIHOODS, RunData, load_test_rows
from promptworth.lm.modeling import load_causal_lm
from promptworth.readout.lm import score_lm

if TYPE_CHECKING:
    from promptworth.methods.training import TrainContext, TrainResult

LABEL_TOKENS = 2.0  # label words are one to three tokens: what a target adds to a prompt


@dataclass(frozen=True)
class Scores:
    """What only a run's model can say about the test rows, before any reading: the rows, the
    (rows, classes) scores (a head's logits, or each label word's log-likelihood), the
    content-free input's scores and the label words (LM scores), the greedy generations (None
    without), the tokens through the model, and what else to record (icl_few's
    demonstrations). readout/readings.py turns them into predictions without a model."""

    test: pd.DataFrame
    scores_are: str
    scores: np.ndarray
    content_free: np.ndarray | None
    label_words: tuple[str, ...] | None
    generations: list[str] | None
    tokens: int
    extra: dict


@dataclass(frozen=True)
class Trainer:
    """One kind of training (the table's `trains`): how a run trains and is saved, and how its
    trained model is loaded back (LM kinds) or read (head kinds)."""

    train: Callable[[Run, Params, RunData, TrainContext], tuple[nn.Module, TrainResult]]
    save: Callable[[nn.Module, Path], None]  # the checkpoint, when train.keep_checkpoint asks
    load_lm: Callable[[Path, Path], nn.Module] | None = None  # (run_dir, base_dir) -> LM
    build: Callable | None = None  # LM kinds: (model_dir, MethodParams) -> the model to train
    # head kinds: (model, texts, tokenizer, batch, device, dtype) -> (test logits, tokens)
    score_head: Callable | None = None
    # The trained model as scoring reads it (LoRA: adapters folded into the weights, exactly
    # as loading the saved checkpoint would give); identity for the others.
    for_scoring: Callable[[nn.Module], nn.Module] = lambda model: model
    # head_frozen: training rows are read once (features); dev and test features are cached
    cached_features: bool = False


# -- scoring a run on the test rows with an LM ------------------------------------------------


def plain_prompts(run: Run, params: Params, test: pd.DataFrame, tokenizer, context: int):
    """Token ids of every test prompt and of the content-free input (contextual calibration)."""
    template = params.pattern_for(run).template

    def encode(texts):
        return tokenizer(list(texts), add_special_tokens=False)["input_ids"]

    return encode(test["prompt"]), encode([content_free_prompt(template)])[0], {}


def lm_scorer(inputs: Callable = plain_prompts) -> Callable:
    """Label-word log-likelihoods (and generations) of the run's LM (the trained one, or the
    base LM for the in-context methods, `model` None) on prompts that `inputs` builds."""

    def score(run: Run, params: Params, model, tokenizer, device, dtype) -> Scores:
        pattern = params.pattern_for(run)
        test = load_test_rows(pattern.template, pattern.label_words)
        if model is None:
            model = load_causal_lm(MODEL)  # the in-context methods: nothing trained
        model = model.to(device)
        prompt_ids, calibration_ids, extra = inputs(
            run, params, test, tokenizer, model.config.max_position_embeddings
        )
        generate = run.method in params.methods and params.methods[run.method].generate
        scores, content_free, generations, tokens = score_lm(
            model, tokenizer, prompt_ids, calibration_ids, pattern.label_words, params.eval,
            device, dtype, generate=generate,
        )  # fmt: skip
        return Scores(
            test, LABEL_LOG_LIKELIHOODS, scores, content_free, tuple(pattern.label_words),
            generations, tokens, extra,
        )  # fmt: skip

    return score


# -- what a run costs, for the plan stage's estimate -----------------------------------------


@dataclass(frozen=True)
class Work:
    """Tokens a run puts through the model: trained (forward and backward) and only read."""

    train_tokens: float = 0.0
    read_tokens: float = 0.0
    stages: int = 1  # processes started: one stage per run


def run_work(
    run: Run, params: Params, prompt_tokens: float, steps: int, examples: int, test_rows: int,
    dev_rows: int,
) -> Work:  # fmt: skip
    """The tokens of one run's stage (training and scoring). `prompt_tokens`: its mean input
    (the article and, for pattern readers, the pattern's own words)."""
    spec = run.spec
    target = LABEL_TOKENS if spec.reads_pattern else 0.0
    trainer = behaviour(run).trainer
    train = read = 0.0
    if trainer is not None:
        t = params.train
        evaluations = steps // t.early_stopping.eval_interval + (
            steps % t.early_stopping.eval_interval != 0
        )
        if trainer.cached_features:  # one forward per training row; the head trains on them
            read += run.size * prompt_tokens
        else:
            train = examples * (prompt_tokens + target)
            read += evaluations * dev_rows * (prompt_tokens + target)
    if trainer is None or not trainer.cached_features:
        context = prompt_tokens * (1 + demonstrations(run, params))
        read += test_rows * (context + target)
        if run.method in params.methods and params.methods[run.method].generate:
            read += test_rows * (context + params.eval.max_new_tokens)
    return Work(train, read)


def reads_cached_features(run: Run) -> bool:
    """The run's method trains on the features stage's frozen-LM features (head_frozen)."""
    trainer = behaviour(run).trainer
    return trainer is not None and trainer.cached_features


def demonstrations(run: Run, params: Params) -> int:
    """Demonstrations before each query (icl_few's shots; 0 for every other method)."""
    return behaviour(run).demonstrations(params.methods.get(run.method))


@dataclass(frozen=True)
class Behaviour:
    """Everything a stage needs to know about a run's method, resolved once."""

    spec: Method
    trainer: Trainer | None
    score: Callable[..., Scores]  # (run, params, model or None, tokenizer, device, dtype)
    # Demonstrations before each query, from the method's settings (icl_few's shots).
    demonstrations: Callable[[object], int] = lambda settings: 0

    @property
    def distributes(self) -> bool:
        """Worth several processes (DDP): the methods that run the LM in every step."""
        return self.trainer is not None and not self.trainer.cached_features


def behaviour(run: Run) -> Behaviour:
    """How `run`'s method trains and scores: its module's behaviour()."""
    found = kind_module(run.method).behaviour()
    if not isinstance(found, Behaviour) or found.spec is not run.spec:
        raise TypeError(f"methods/kinds/{run.method}.py: behaviour() must return a Behaviour "
                        "of its own METHOD")  # fmt: skip
    return found
