"""The ways to fine-tune: train a method on a run's data, save it, load it back.

- head_frozen:   a linear head on cached frozen-LM features (only the head trains).
- head_full:     the same head on the live LM; every weight trains.
- prompt:        the LM itself, next-token loss on the label word after the pattern (prompt_null:
                 the same with unrelated words as targets; the data decides which words).
- prompt_lora:   the same loss, only low-rank adapters train (peft LoRA); adapters are saved.
- prompt_tuning: the same loss, only virtual-token embeddings train (peft prompt tuning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    TrainResult,
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
    data: RunData, num_labels: int, settings: TrainSettings, seed: int, log: Logger
) -> tuple[nn.Module, TrainResult]:
    seed_everything(seed)  # before the head's random initialisation
    feats = load_features("train")
    train_x, dev_x = feats[data.train_pos], feats[data.dev_pos]
    head = nn.Linear(feats.shape[1], num_labels)  # initialised under the run's seed

    def dev_accuracy(step: int) -> dict[str, float]:
        with torch.no_grad():
            return {"dev_accuracy": _accuracy(head(dev_x).numpy(), data.dev["label"])}

    loss = classification_loss(lambda m, b: m(train_x[b]), data.train["label"], torch.device("cpu"))
    result = train_loop(
        head, loss, len(data.train), settings, seed, dev_accuracy if len(dev_x) else None, log
    )
    return head, result


def train_head_full(
    data: RunData,
    model_dir: Path,
    tokenizer,
    num_labels: int,
    settings: TrainSettings,
    seed: int,
    log: Logger,
    device: torch.device,
    dtype: torch.dtype | None,
    eval_batch_size: int,
    options: RuntimeOptions = DEFAULT_OPTIONS,
    accelerator=None,
) -> tuple[nn.Module, TrainResult]:
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
    result = train_loop(
        model,
        loss,
        len(data.train),
        settings,
        seed,
        dev_accuracy if dev_ids else None,
        log,
        lengths=[len(ids) for ids in train_ids],
        accelerator=accelerator,
    )
    return model, result


@dataclass(frozen=True)
class Adapters:
    """What the parameter-efficient prompt methods add to the frozen LM."""

    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    virtual_tokens: int = 20


# Prompt tuning starts its virtual tokens from the embeddings of this text (Lester et al. found
# vocabulary initialisation better than random), repeated to fill them.
SOFT_PROMPT_INIT = "Classify the topic of this news article: world, sports, business or science."


def prompt_model(method: str, model_dir: Path, adapters: Adapters) -> nn.Module:
    """The LM a prompt method trains: the whole LM (prompt, prompt_null), or the frozen LM with
    peft LoRA adapters (prompt_lora) or virtual tokens (prompt_tuning)."""
    model = load_causal_lm(model_dir)
    if method in ("prompt", "prompt_null"):
        return model
    from peft import LoraConfig, PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model

    if method == "prompt_lora":
        # target_modules=None: peft's default projections for the architecture (GPT-2: c_attn;
        # Llama: q_proj, v_proj).
        config = LoraConfig(
            task_type=TaskType.CAUSAL_LM,
            r=adapters.lora_rank,
            lora_alpha=adapters.lora_alpha,
            lora_dropout=adapters.lora_dropout,
        )
    elif method == "prompt_tuning":
        config = PromptTuningConfig(
            task_type=TaskType.CAUSAL_LM,
            num_virtual_tokens=adapters.virtual_tokens,
            prompt_tuning_init=PromptTuningInit.TEXT,
            prompt_tuning_init_text=SOFT_PROMPT_INIT,
            tokenizer_name_or_path=str(model_dir),
        )
    else:
        raise ValueError(f"not a prompt method: {method!r}")
    return get_peft_model(model, config)


def train_prompt(
    method: str,
    data: RunData,
    model_dir: Path,
    tokenizer,
    label_words,
    settings: TrainSettings,
    seed: int,
    log: Logger,
    device: torch.device,
    dtype: torch.dtype | None,
    eval_batch_size: int,
    options: RuntimeOptions = DEFAULT_OPTIONS,
    accelerator=None,
    adapters: Adapters = Adapters(),
) -> tuple[nn.Module, TrainResult]:
    """Target-only LM loss on `data.train`'s prompt and target columns (the pattern and words
    the caller applied); dev accuracy by rank classification over `label_words`."""
    seed_everything(seed)  # adapter initialisation and dropout draw from the global generator
    model = prompt_model(method, model_dir, adapters)
    prepare_for_training(model, options)
    model = model.to(device)
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
    result = train_loop(
        model,
        loss,
        len(data.train),
        settings,
        seed,
        dev_accuracy if dev_prompts else None,
        log,
        lengths=[len(p) + len(t) for p, t in zip(prompt_ids, target_ids, strict=True)],
        accelerator=accelerator,
    )
    return model, result


def save_checkpoint(method: str, model: nn.Module, out_dir: Path) -> None:
    """Safetensors checkpoint: the head alone for head_frozen (the LM is unchanged), the adapters
    alone for prompt_lora and prompt_tuning, the LM (and head) for the others."""
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
    elif method in ("prompt_lora", "prompt_tuning"):
        model.save_pretrained(out_dir / "adapter")  # a peft model saves its adapter only
    else:
        model.save_pretrained(out_dir / "lm")


def load_prompt_lm(method: str, run_dir: Path, base_dir: Path) -> nn.Module:
    """The trained LM of a prompt method, or the base LM for the ICL methods (no training)."""
    if method in ("prompt", "prompt_null"):
        return load_causal_lm(run_dir / "lm")
    base = load_causal_lm(base_dir)
    if method in ("icl_zero", "icl_few"):
        return base
    from peft import PeftModel

    model = PeftModel.from_pretrained(base, run_dir / "adapter")
    # LoRA folds into the weights: evaluation then runs at the plain LM's speed. Virtual tokens
    # cannot fold; the peft model prepends them (it ignores position ids, harmless for rotary
    # models such as Llama, slightly off for left-padded rows of absolute-position GPT-2).
    return model.merge_and_unload() if method == "prompt_lora" else model


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
