"""The three ways to fine-tune: train a method on a run's data, save it, load it back.

- head_frozen: a linear head on cached frozen-LM features (only the head trains).
- head_full:   the same head on the live LM; every weight trains.
- prompt:      the LM itself, next-token loss on the label word after the prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .batching import pad_batch, to_device
from .inference import head_logits, rank_classify
from .modeling import (
    HeadClassifier,
    RuntimeOptions,
    autocast,
    load_causal_lm,
    prepare_for_training,
)
from .prompts import encode_prompt_target
from .runs import RunData, load_features
from .training import (
    TrainSettings,
    classification_loss,
    lm_target_loss,
    seed_everything,
    train_loop,
)

Logger = Callable[[int, dict[str, float]], None]
DEFAULT_OPTIONS = RuntimeOptions()


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _accuracy(scores: np.ndarray, labels) -> float:
    return float((scores.argmax(axis=1) == np.asarray(labels)).mean())


def train_head_frozen(
    data: RunData, num_labels: int, settings: TrainSettings, seed: int, evaluate_at, log: Logger
) -> tuple[nn.Module, list[dict]]:
    seed_everything(seed)  # before the head's random initialisation
    feats = load_features("train")
    train_x, dev_x = feats[data.train_pos], feats[data.dev_pos]
    head = nn.Linear(feats.shape[1], num_labels)  # initialised under the run's seed

    def dev_accuracy(step: int) -> dict[str, float]:
        with torch.no_grad():
            return {"dev_accuracy": _accuracy(head(dev_x).numpy(), data.dev["label"])}

    loss = classification_loss(lambda m, b: m(train_x[b]), data.train["label"], torch.device("cpu"))
    history = train_loop(
        head,
        loss,
        len(data.train),
        settings,
        seed,
        dev_accuracy if len(dev_x) else None,
        evaluate_at,
        log,
    )
    return head, history


def train_head_full(
    data: RunData,
    model_dir: Path,
    tokenizer,
    num_labels: int,
    settings: TrainSettings,
    seed: int,
    evaluate_at,
    log: Logger,
    device: torch.device,
    dtype: torch.dtype | None,
    eval_batch_size: int,
    options: RuntimeOptions = DEFAULT_OPTIONS,
    accelerator=None,
) -> tuple[nn.Module, list[dict]]:
    seed_everything(seed)  # before the head's random initialisation and any dropout
    model = HeadClassifier.from_pretrained(model_dir, num_labels).to(device)
    prepare_for_training(model.backbone, options)
    pad = tokenizer.pad_token_id
    encode = lambda texts: tokenizer(list(texts), add_special_tokens=False)["input_ids"]  # noqa: E731
    train_ids, dev_ids = encode(data.train["article"]), encode(data.dev["article"])

    def logits(module: nn.Module, batch: list[int]) -> torch.Tensor:
        ids, mask = pad_batch([train_ids[i] for i in batch], pad)
        with autocast(device, dtype):
            return module(to_device(ids, device), to_device(mask, device))

    def dev_accuracy(step: int) -> dict[str, float]:
        scores = head_logits(model, dev_ids, pad, eval_batch_size, device, dtype, progress=False)
        return {"dev_accuracy": _accuracy(scores, data.dev["label"])}

    loss = classification_loss(logits, data.train["label"], device)
    history = train_loop(
        model,
        loss,
        len(data.train),
        settings,
        seed,
        dev_accuracy if dev_ids else None,
        evaluate_at,
        log,
        lengths=[len(ids) for ids in train_ids],
        accelerator=accelerator,
    )
    return model, history


def train_prompt(
    data: RunData,
    model_dir: Path,
    tokenizer,
    label_words,
    settings: TrainSettings,
    seed: int,
    evaluate_at,
    log: Logger,
    device: torch.device,
    dtype: torch.dtype | None,
    eval_batch_size: int,
    options: RuntimeOptions = DEFAULT_OPTIONS,
    accelerator=None,
) -> tuple[nn.Module, list[dict]]:
    seed_everything(seed)  # dropout draws from the global generator
    model = prepare_for_training(load_causal_lm(model_dir).to(device), options)
    pad = tokenizer.pad_token_id
    prompt_ids, target_ids = encode_prompt_target(
        tokenizer, data.train["prompt"], data.train["target"]
    )
    dev_prompts = tokenizer(data.dev["prompt"].tolist(), add_special_tokens=False)["input_ids"]
    label_ids = label_token_ids(tokenizer, label_words)

    def dev_accuracy(step: int) -> dict[str, float]:
        scores = rank_classify(
            model, dev_prompts, label_ids, pad, eval_batch_size, device, dtype, progress=False
        )
        return {"dev_accuracy": _accuracy(scores, data.dev["label"])}

    loss = lm_target_loss(prompt_ids, target_ids, pad, device, lambda: autocast(device, dtype))
    history = train_loop(
        model,
        loss,
        len(data.train),
        settings,
        seed,
        dev_accuracy if dev_prompts else None,
        evaluate_at,
        log,
        lengths=[len(p) + len(t) for p, t in zip(prompt_ids, target_ids, strict=True)],
        accelerator=accelerator,
    )
    return model, history


def save_checkpoint(method: str, model: nn.Module, out_dir: Path) -> None:
    """Safetensors checkpoint: the head alone for head_frozen (the LM is unchanged), the LM (and
    head) for the others."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if method == "head_frozen":
        save_file(
            {k: v.contiguous() for k, v in model.state_dict().items()}, out_dir / "head.safetensors"
        )
    elif method == "head_full":
        model.backbone.save_pretrained(out_dir / "backbone")
        save_file(
            {k: v.contiguous() for k, v in model.head.state_dict().items()},
            out_dir / "head.safetensors",
        )
    else:
        model.save_pretrained(out_dir / "lm")


def load_head(run_dir: Path) -> nn.Linear:
    state = load_file(run_dir / "head.safetensors")
    head = nn.Linear(state["weight"].shape[1], state["weight"].shape[0])
    head.load_state_dict(state)
    return head


def load_head_classifier(run_dir: Path) -> HeadClassifier:
    head = load_head(run_dir)
    model = HeadClassifier.from_pretrained(run_dir / "backbone", head.out_features)
    model.head = head
    return model


def label_token_ids(tokenizer, label_words) -> list[list[int]]:
    """Token ids of each label word, encoded as a target is in training."""
    return encode_prompt_target(tokenizer, [""] * len(label_words), label_words)[1]
