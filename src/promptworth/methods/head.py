"""The conventional classifiers: a linear head on the LM's last non-pad hidden state, trained with
cross-entropy on the label ids and read by argmax.

Their modules (methods/kinds/head_frozen.py, head_full.py) pair these functions:
- trains "head" (head_frozen): the LM is frozen. The run computes its training rows' features once
  (a forward pass each), the features stage has computed the dev and test rows' once for every
  run, and only the head trains. Saved: head.safetensors.
- trains "head+lm" (head_full): the same head on the live LM; every weight trains, the fresh head
  at its own learning rate. Saved: backbone/ (HF directory) and head.safetensors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from promptworth.data.prompts import encode_texts
from promptworth.data.runs import (
    HEAD_LOGITS,
    RunData,
    load_class_names,
    load_features,
    load_test_rows,
)
from promptworth.lm.batching import pad_batch, to_device
from promptworth.lm.modeling import HeadClassifier, autocast, load_backbone, prepare_for_training
from promptworth.methods.losses import classification_loss
from promptworth.methods.registry import Scores
from promptworth.methods.steps import seed_everything
from promptworth.methods.training import TrainContext, TrainResult, train_loop
from promptworth.readout.inference import dev_metrics, frozen_features, grow_batch_size, head_logits


def train_head_frozen(
    data: RunData, num_labels: int, ctx: TrainContext, features: Path
) -> tuple[nn.Module, TrainResult]:
    """A linear head on frozen-LM features: the training rows' computed here, the dev rows'
    read from the features stage's `features` folder."""
    backbone = load_backbone(ctx.model_dir).to(ctx.device)
    train_ids = encode_texts(ctx.tokenizer, data.train["head_input"])
    # In the features stage's precision (not training's): the dev and test features the head is
    # chosen and scored on were computed in it.
    train_x = frozen_features(
        backbone, train_ids, ctx.tokenizer.pad_token_id, ctx.eval_batch_size, ctx.device,
        ctx.features_dtype, progress=False,
    )  # fmt: skip
    del backbone
    dev_x = load_features(features, "dev")
    seed_everything(ctx.seed)  # before the head's random initialisation
    head = nn.Linear(train_x.shape[1], num_labels)

    def dev_accuracy(step: int) -> dict[str, float]:
        with torch.no_grad():
            return dev_metrics(head(dev_x).numpy(), data.dev["label"])

    loss = classification_loss(lambda m, b: m(train_x[b]), data.train["label"], torch.device("cpu"))
    result = train_loop(
        head, loss, len(data.train), ctx.settings, ctx.seed,
        dev_accuracy if ctx.evaluate_dev and len(dev_x) else None, ctx.log,
        accelerator=ctx.accelerator,
    )  # fmt: skip
    return head, result


def train_head_full(
    data: RunData, num_labels: int, ctx: TrainContext
) -> tuple[nn.Module, TrainResult]:
    seed_everything(ctx.seed)  # before the head's random initialisation and any dropout
    model = HeadClassifier(load_backbone(ctx.model_dir), num_labels).to(ctx.device)
    prepare_for_training(model.backbone, ctx.options)
    pad, device, dtype = ctx.tokenizer.pad_token_id, ctx.device, ctx.dtype
    train_ids = encode_texts(ctx.tokenizer, data.train["head_input"])
    dev_ids = encode_texts(ctx.tokenizer, data.dev["head_input"])

    def logits(module: nn.Module, batch: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([train_ids[i] for i in batch], pad)
        with autocast(device, dtype):
            return module(to_device(ids, device), to_device(mask, device))

    def dev_accuracy(step: int) -> dict[str, float]:
        scores = head_logits(model, dev_ids, pad, ctx.eval_batch_size, device, dtype, False)
        return dev_metrics(scores, data.dev["label"])

    result = train_loop(
        model,
        classification_loss(logits, data.train["label"], device),
        len(data.train),
        ctx.settings,
        ctx.seed,
        dev_accuracy if ctx.evaluate_dev and dev_ids else None,
        ctx.log,
        lengths=[len(ids) for ids in train_ids],
        accelerator=ctx.accelerator,
    )
    return model, result


def _save_linear(head: nn.Linear, path: Path) -> None:
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, path)


def save_head(model: nn.Module, out_dir: Path) -> None:
    """head.safetensors alone: the frozen LM is data/model (head_frozen)."""
    _save_linear(model, out_dir / "head.safetensors")


def save_head_and_backbone(model: HeadClassifier, out_dir: Path) -> None:
    """backbone/ (HF directory) beside head.safetensors (head_full)."""
    model.backbone.save_pretrained(out_dir / "backbone")
    _save_linear(model.head, out_dir / "head.safetensors")


def load_linear(run_dir: Path) -> nn.Linear:
    state = load_file(run_dir / "head.safetensors")
    head = nn.Linear(state["weight"].shape[1], state["weight"].shape[0])
    head.load_state_dict(state)
    return head


def frozen_head_logits(features: Path) -> Callable:
    """The head's logits on the features stage's test features (in `features`): no token goes
    through the LM here (the features stage computed them once for every run)."""

    def logits(head: nn.Linear, test_texts, tokenizer, batch_size: int, device, dtype):
        with torch.no_grad():
            return head(load_features(features, "test")).numpy(), 0

    return logits


def full_head_logits(
    model: HeadClassifier, test_texts, tokenizer, batch_size: int, device, dtype
) -> tuple[np.ndarray, int]:
    """Logits of the trained backbone and head on the test rows, and the tokens that went
    through the LM for them."""
    model = model.to(device)
    ids = encode_texts(tokenizer, test_texts)
    pad = tokenizer.pad_token_id
    longest = sorted(ids, key=len, reverse=True)
    batch_size = grow_batch_size(
        lambda bs: head_logits(model, longest[:bs], pad, bs, device, dtype, progress=False),
        batch_size,
        device,
    )
    return head_logits(model, ids, pad, batch_size, device, dtype), sum(map(len, ids))


def load_full_head(run_dir: Path) -> HeadClassifier:
    """A kept head_full checkpoint (train.keep_checkpoint) back as the model it saved."""
    head = load_linear(run_dir)
    model = HeadClassifier(load_backbone(run_dir / "backbone"), head.out_features)
    model.head = head
    return model


def head_trainer(fit: Callable) -> Callable:
    """A head kind's `train` (registry.Trainer): `fit(data, classes, ctx)` (train_head_frozen
    or train_head_full)."""
    return lambda run, params, data, ctx: fit(data, len(load_class_names()), ctx)


def score_head(logits: Callable) -> Callable:
    """A head kind's scorer (registry.Behaviour.score): `logits(model, texts, tokenizer, batch,
    device, dtype)` -> (test logits, tokens) (frozen_head_logits or full_head_logits)."""

    def score(run, params, model, tokenizer, device, dtype) -> Scores:
        test = load_test_rows()
        values, tokens = logits(
            model, test["head_input"], tokenizer, params.eval.batch_size, device, dtype
        )
        return Scores(test, HEAD_LOGITS, values, None, None, None, tokens, {})

    return score
