"""The prompt methods: next-token loss on the label word after the pattern, with the whole LM or
only parameter-efficient additions trained; dev accuracy by rank classification.

What trains decides the model, what is saved and how it loads; each method's module
(methods/kinds/<name>.py) pairs its functions here:
- "lm" (prompt, prompt_null): every LM weight; saved as lm/ (an HF directory).
- "lora" (prompt_lora): peft LoRA adapters on the frozen LM; saved as adapter/, merged on load.
- "soft_prompt" (prompt_tuning): peft virtual-token embeddings; saved as adapter/.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from torch import nn

from promptworth.config.schema import MethodParams
from promptworth.data.prompts import encode_prompt_target, label_token_ids
from promptworth.data.runs import RunData
from promptworth.lm.modeling import autocast, load_causal_lm, prepare_for_training
from promptworth.methods.losses import lm_target_loss
from promptworth.methods.steps import seed_everything
from promptworth.methods.training import TrainContext, TrainResult, train_loop
from promptworth.readout.inference import dev_metrics, rank_classify


def whole_lm(model_dir: Path, settings: MethodParams) -> nn.Module:
    """Every weight of the LM trains (prompt, prompt_null)."""
    return load_causal_lm(model_dir)


def _with_peft(model_dir: Path, config) -> nn.Module:
    """The frozen base LM wrapped with what the peft `config` adds (the part that trains)."""
    from peft import get_peft_model

    return get_peft_model(load_causal_lm(model_dir), config)


def lm_with_lora(model_dir: Path, settings: MethodParams) -> nn.Module:
    """The frozen LM with peft LoRA adapters (prompt_lora)."""
    from peft import LoraConfig, TaskType

    # target_modules=None: peft's default projections for the architecture (GPT-2: c_attn;
    # Llama: q_proj, v_proj).
    config = LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=settings.lora_rank,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
    )
    return _with_peft(model_dir, config)


def lm_with_soft_prompt(model_dir: Path, settings: MethodParams) -> nn.Module:
    """The frozen LM with trainable virtual-token embeddings (prompt_tuning)."""
    from peft import PromptTuningConfig, PromptTuningInit, TaskType

    config = PromptTuningConfig(
        task_type=TaskType.CAUSAL_LM,
        num_virtual_tokens=settings.virtual_tokens,
        # From a text's embeddings (Lester et al. found vocabulary initialisation better than
        # random), repeated to fill the virtual tokens.
        prompt_tuning_init=PromptTuningInit.TEXT,
        prompt_tuning_init_text=settings.init_text,
        tokenizer_name_or_path=str(model_dir),
    )
    return _with_peft(model_dir, config)


def train_prompt(
    build: Callable[[Path, MethodParams], nn.Module],
    data: RunData,
    label_words: Sequence[str],
    settings: MethodParams,
    ctx: TrainContext,
) -> tuple[nn.Module, TrainResult]:
    """Target-only LM loss on `data.train`'s prompt and target columns (the pattern and words
    the caller applied); dev accuracy by rank classification over `label_words`. `build` makes
    the model that trains (whole_lm, lm_with_lora or lm_with_soft_prompt)."""
    seed_everything(ctx.seed)  # adapter initialisation and dropout draw from the global generator
    model = build(ctx.model_dir, settings)
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

    loss = lm_target_loss(
        prompt_ids, target_ids, pad, device, lambda: autocast(device, dtype),
        length_buckets=ctx.options.length_buckets,
    )  # fmt: skip
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


def save_lm(model: nn.Module, out_dir: Path) -> None:
    """lm/: the whole trained LM (an HF directory)."""
    model.save_pretrained(out_dir / "lm")


def save_adapter(model: nn.Module, out_dir: Path) -> None:
    """adapter/: only what peft added (LoRA weights or virtual tokens), without the LM."""
    model.save_pretrained(out_dir / "adapter")


def load_trained_lm(run_dir: Path, base_dir: Path) -> nn.Module:
    return load_causal_lm(run_dir / "lm")


def load_with_lora(run_dir: Path, base_dir: Path) -> nn.Module:
    """The base LM with the run's LoRA adapters folded into its weights: evaluation then runs at
    the plain LM's speed."""
    from peft import PeftModel

    return PeftModel.from_pretrained(
        load_causal_lm(base_dir), run_dir / "adapter"
    ).merge_and_unload()


def fold_lora(model: nn.Module) -> nn.Module:
    """The trained LoRA model with its adapters folded into the weights, as load_with_lora gives
    it from the saved checkpoint: scoring then runs at the plain LM's speed."""
    return model.merge_and_unload()


def load_with_soft_prompt(run_dir: Path, base_dir: Path) -> nn.Module:
    """The base LM with the run's virtual tokens, which cannot fold: the peft model prepends them
    (it ignores position ids, harmless for rotary models such as Llama, slightly off for
    left-padded rows of absolute-position GPT-2)."""
    from peft import PeftModel

    return PeftModel.from_pretrained(load_causal_lm(base_dir), run_dir / "adapter")


def whole_lm_trainer():
    """The registry Trainer of every method that trains every LM weight with the prompt's loss
    (prompt, prompt_null): saved as lm/, loaded back whole."""
    from promptworth.methods.registry import Trainer

    return Trainer(prompt_trainer(whole_lm), save_lm, load_trained_lm, build=whole_lm)


def prompt_trainer(build: Callable[[Path, MethodParams], nn.Module]) -> Callable:
    """A prompt kind's `train` (registry.Trainer): target-only LM loss on the run's pattern and
    label words, with `build(model_dir, settings)` making the model that trains."""

    def train(run, params, data: RunData, ctx: TrainContext) -> tuple[nn.Module, TrainResult]:
        words = params.pattern_for(run).label_words
        return train_prompt(build, data, words, params.methods[run.method], ctx)

    return train
