"""The registry: how each method trains, is saved, loaded, read out and costed.

The method table (config/methods.py) says *what* each method is: its stage family, what trains,
its reading and role. This module says *how*, in one place: every other module asks
`behaviour(run)` and calls what it gets, so none branches on a method's family, what it trains,
its role or its name. A method that trains in an existing way is one new row of the table; a new
way of training is one new `Trainer` here (CONTRIBUTING.md walks through both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from torch import nn

from promptworth.config.methods import Method, Run
from promptworth.config.schema import Params
from promptworth.core.paths import MODEL
from promptworth.data.prompts import content_free_prompt
from promptworth.data.runs import (
    HEAD_LOGITS,
    LABEL_LOG_LIKELIHOODS,
    RunData,
    load_class_names,
    load_test_rows,
)
from promptworth.methods import head, icl, prompt
from promptworth.methods.training import TrainContext, TrainResult
from promptworth.readout.lm import score_lm

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


def _head_trainer(fit) -> Callable:
    return lambda run, params, data, ctx: fit(data, len(load_class_names()), ctx)


def _prompt_trainer(build) -> Callable:
    def train(run: Run, params: Params, data: RunData, ctx: TrainContext):
        words = params.pattern_for(run).label_words
        return prompt.train_prompt(build, data, words, params.methods[run.method], ctx)

    return train


TRAINERS: dict[str, Trainer] = {
    "head": Trainer(
        _head_trainer(head.train_head_frozen), head.save_head,
        score_head=head.frozen_head_logits, cached_features=True,
    ),
    "head+lm": Trainer(
        _head_trainer(head.train_head_full), head.save_head_and_backbone,
        score_head=head.full_head_logits,
    ),
    "lm": Trainer(
        _prompt_trainer(prompt.whole_lm), prompt.save_lm, prompt.load_trained_lm,
        build=prompt.whole_lm,
    ),
    "lora": Trainer(
        _prompt_trainer(prompt.lm_with_lora), prompt.save_adapter, prompt.load_with_lora,
        build=prompt.lm_with_lora, for_scoring=prompt.fold_lora,
    ),
    "soft_prompt": Trainer(
        _prompt_trainer(prompt.lm_with_soft_prompt), prompt.save_adapter,
        prompt.load_with_soft_prompt, build=prompt.lm_with_soft_prompt,
    ),
}  # fmt: skip


# -- scoring a run on the test rows, per family ----------------------------------------------


def _score_head(run: Run, params: Params, model, tokenizer, device, dtype) -> Scores:
    test = load_test_rows()
    logits, tokens = TRAINERS[run.spec.trains].score_head(
        model, test["head_input"], tokenizer, params.eval.batch_size, device, dtype
    )
    return Scores(test, HEAD_LOGITS, logits, None, None, None, tokens, {})


def _plain_prompts(run: Run, params: Params, test: pd.DataFrame, tokenizer, context: int):
    """Token ids of every test prompt and of the content-free input (contextual calibration)."""
    template = params.pattern_for(run).template

    def encode(texts):
        return tokenizer(list(texts), add_special_tokens=False)["input_ids"]

    return encode(test["prompt"]), encode([content_free_prompt(template)])[0], {}


def _lm_scorer(inputs: Callable) -> Callable:
    """Label-word log-likelihoods (and generations) of the run's LM (the trained one, or the
    base LM for the in-context methods, `model` None) on prompts that `inputs` builds."""

    def score(run: Run, params: Params, model, tokenizer, device, dtype) -> Scores:
        pattern = params.pattern_for(run)
        test = load_test_rows(pattern.template, pattern.label_words)
        if model is None:
            model = prompt.load_base_lm(None, MODEL)
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


SCORERS: dict[str, Callable] = {
    "head": _score_head,
    "prompt": _lm_scorer(_plain_prompts),
    "icl_zero": _lm_scorer(_plain_prompts),
    "icl_few": _lm_scorer(icl.few_shot_inputs),
}


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
    trainer = TRAINERS.get(spec.trains)
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


def demonstrations(run: Run, params: Params) -> int:
    """Demonstrations before each query (icl_few's shots; 0 for every other method)."""
    if run.spec.family != "icl_few":
        return 0
    return params.methods[run.method].shots or 0


@dataclass(frozen=True)
class Behaviour:
    """Everything a stage needs to know about a run's method, resolved once."""

    spec: Method
    trainer: Trainer | None
    score: Callable[..., Scores]  # (run, params, model or None, tokenizer, device, dtype)

    @property
    def distributes(self) -> bool:
        """Worth several processes (DDP): the methods that run the LM in every step."""
        return self.trainer is not None and not self.trainer.cached_features


def behaviour(run: Run) -> Behaviour:
    return Behaviour(run.spec, TRAINERS.get(run.spec.trains), SCORERS[run.spec.family])
