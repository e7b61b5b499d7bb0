"""The prompt methods: next-token loss on the label word after the pattern, with the whole LM or
only parameter-efficient additions trained; dev accuracy by rank classification.

What trains (the method table's `trains`) decides the model, what is saved and how it loads:
- "lm" (prompt, prompt_null): every LM weight; saved as lm/ (an HF directory).
- "lora" (prompt_lora): peft LoRA adapters on the frozen LM; saved as adapter/, merged on load.
- "soft_prompt" (prompt_tuning): peft virtual-token embeddings; saved as adapter/.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from torch import nn

from .inference import dev_metrics, rank_classify
from .methods import Method
from .modeling import autocast, load_causal_lm, prepare_for_training
from .params import MethodParams
from .prompts import encode_prompt_target, label_token_ids
from .runs import RunData
from .training import TrainContext, TrainResult, lm_target_loss, seed_everything, train_loop

ADAPTERS = ("lora", "soft_prompt")  # what peft adds; saved alone, without the LM


def prompt_model(spec: Method, model_dir: Path, settings: MethodParams) -> nn.Module:
    """The LM a prompt method trains: the whole LM, or the frozen LM with peft LoRA adapters or
    virtual tokens."""
    model = load_causal_lm(model_dir)
    if spec.trains not in ADAPTERS:
        return model
    from peft import LoraConfig, PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model

    if spec.trains == "lora":
        # target_modules=None: peft's default projections for the architecture (GPT-2: c_attn;
        # Llama: q_proj, v_proj).
        config = LoraConfig(
            task_type=TaskType.CAUSAL_LM,
            r=settings.lora_rank,
            lora_alpha=settings.lora_alpha,
            lora_dropout=settings.lora_dropout,
        )
    else:
        config = PromptTuningConfig(
            task_type=TaskType.CAUSAL_LM,
            num_virtual_tokens=settings.virtual_tokens,
            # From a text's embeddings (Lester et al. found vocabulary initialisation better
            # than random), repeated to fill the virtual tokens.
            prompt_tuning_init=PromptTuningInit.TEXT,
            prompt_tuning_init_text=settings.init_text,
            tokenizer_name_or_path=str(model_dir),
        )
    return get_peft_model(model, config)


def train_prompt(
    spec: Method,
    data: RunData,
    label_words: Sequence[str],
    settings: MethodParams,
    ctx: TrainContext,
) -> tuple[nn.Module, TrainResult]:
    """Target-only LM loss on `data.train`'s prompt and target columns (the pattern and words
    the caller applied); dev accuracy by rank classification over `label_words`."""
    seed_everything(ctx.seed)  # adapter initialisation and dropout draw from the global generator
    model = prompt_model(spec, ctx.model_dir, settings)
    prepare_for_training(model, ctx.options)
    model = model.to(ctx.device)
    tokenizer, device, dtype = ctx.tokenizer, ctx.device, ctx.dtype
    pad = tokenizer.pad_token_id
    prompt_ids, target_ids = encode_prompt_target(
        tokenizer, data.train["prompt"], data.train["target"]
    )
    dev_prompts = (  # sample.dev_size 0: no dev rows, nothing to evaluate
        tokenizer(data.dev["prompt"].tolist(), add_special_tokens=False)["input_ids"]
        if len(data.dev)
        else []
    )
    label_ids = label_token_ids(tokenizer, label_words)

    def dev_accuracy(step: int) -> dict[str, float]:
        scores = rank_classify(
            model, dev_prompts, label_ids, pad, ctx.eval_batch_size, device, dtype, progress=False
        )
        return dev_metrics(scores, data.dev["label"])

    loss = lm_target_loss(prompt_ids, target_ids, pad, device, lambda: autocast(device, dtype))
    result = train_loop(
        model,
        loss,
        len(data.train),
        ctx.settings,
        ctx.seed,
        dev_accuracy if ctx.evaluate_dev and dev_prompts else None,
        ctx.log,
        lengths=[len(p) + len(t) for p, t in zip(prompt_ids, target_ids, strict=True)],
        accelerator=ctx.accelerator,
    )
    return model, result


def save_prompt_model(spec: Method, model: nn.Module, out_dir: Path) -> None:
    """lm/ (the whole LM), or adapter/ alone (a peft model saves only its additions)."""
    model.save_pretrained(out_dir / ("adapter" if spec.trains in ADAPTERS else "lm"))


def load_lm(spec: Method, run_dir: Path | None, base_dir: Path) -> nn.Module:
    """The LM a run is scored with: its trained LM, the base LM with its adapters, or the base LM
    itself for the in-context methods (nothing trained)."""
    if spec.trains == "lm":
        return load_causal_lm(run_dir / "lm")
    base = load_causal_lm(base_dir)
    if spec.trains is None:
        return base
    from peft import PeftModel

    model = PeftModel.from_pretrained(base, run_dir / "adapter")
    # LoRA folds into the weights: evaluation then runs at the plain LM's speed. Virtual tokens
    # cannot fold; the peft model prepends them (it ignores position ids, harmless for rotary
    # models such as Llama, slightly off for left-padded rows of absolute-position GPT-2).
    return model.merge_and_unload() if spec.trains == "lora" else model
