"""Models: export any source to a local HF directory, load it, and the classification head."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import torch
from torch import nn

from promptworth.core.checkpoints import CHECKSUMS, verify_checkpoint, verify_sizes, write_checksums
from promptworth.core.errors import ModelError
from promptworth.core.hardware import select_runtime
from promptworth.core.io import resolve_package_path

# transformers is imported where a model or tokenizer is loaded: its model classes alone take
# ~2.5 s to import (modeling_utils pulls in dynamo, distributed tensors, fp8 kernels), which a
# stage that only tokenises (format: ~1.3 s for the tokenizer) or only reads a config need
# not pay.
if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

T = TypeVar("T")


def pick_device(
    gpu: int | None = None, cpu_bf16: bool | str = False
) -> tuple[torch.device, torch.dtype | None]:
    """The device and autocast dtype (None: float32) select_runtime picks, without its line."""
    runtime = select_runtime(gpu, cpu_bf16)
    return runtime.device, runtime.dtype


def autocast(device: torch.device, dtype: torch.dtype | None):
    """bf16 autocast on CUDA when supported; a no-op context otherwise."""
    return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)


def load_source_model(name: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM from a hub id, a local HF directory, a local .gguf file (dequantised to
    float32, so it can be trained and saved with save_pretrained) or a `pkg://` file. A source
    that is missing, not a model, or unreachable raises ModelError naming model.name."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        resolved = resolve_package_path(name)
    except FileNotFoundError as err:
        raise ModelError(f"model.name: {err}") from None
    path = Path(resolved)
    if resolved.endswith(".gguf"):
        if not path.is_file():
            raise ModelError(f"model.name: GGUF file not found: {path}")
        try:
            return _load_gguf(path)
        except Exception as err:  # a truncated file fails deep in the GGUF reader
            raise ModelError(
                f"model.name: {path} could not be read as a GGUF model (damaged or truncated?): "
                f"{_first_line(err)}"
            ) from err
    if path.is_file():
        raise ModelError(
            f"model.name: {name} is a file, not a model: give the folder that holds its "
            "config.json and weights, a .gguf file, or a hub id"
        )
    if resolved.startswith((".", "/", "~")) or path.is_dir():
        if not path.is_dir():
            raise ModelError(f"model.name: no such model folder: {path}")
        if not (path / "config.json").is_file():
            raise ModelError(
                f"model.name: {path} has no config.json: not a Hugging Face model folder "
                "(save_pretrained writes one)"
            )
    try:
        model = AutoModelForCausalLM.from_pretrained(resolved, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(resolved)
    except OSError as err:  # transformers' word for not found, unreachable, or no weights
        where = "its folder" if path.is_dir() else "the Hugging Face hub or its cache (offline?)"
        raise ModelError(
            f"model.name: {name!r} could not be loaded from {where}: {_first_line(err)}; give a "
            "local model folder, a .gguf file or a pkg:// file"
        ) from None
    except Exception as err:  # safetensors' header errors, a truncated JSON: a damaged folder
        raise ModelError(
            f"model.name: {name!r} could not be loaded (a damaged or truncated file in it?): "
            f"{_first_line(err)}"
        ) from err
    return model, tokenizer


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


def load_local(load: Callable[[], T], path: str | Path, stage: str = "model") -> T:
    """`load()` of a folder the pipeline wrote (data/model, a kept checkpoint), checked first
    against its checksums.json's sizes; a load that still fails is checked file by file, so
    a damaged file is named in one line with the command that restores it (`stage` wrote it)."""
    folder = Path(path)
    verify_sizes(folder, stage)
    try:
        return load()
    except Exception as err:
        verify_checkpoint(folder, stage)  # raises CheckpointError naming the damaged file
        if (folder / CHECKSUMS).is_file():
            raise  # every file is as saved: not damage, a bug to see whole
        raise ModelError(
            f"{folder}: could not be loaded ({_first_line(err)}); if a file in it is damaged, "
            f"restore it with `dvc checkout --force {folder}` or `dvc repro -f {stage}`"
        ) from err


def _load_gguf(gguf: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    kwargs = {"gguf_file": gguf.name}
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent),
        dtype=torch.float32,
        quantization_config=GgufConfig(dequantize=True),
        **kwargs,
    )
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), **kwargs)
    return model, tokenizer


def export_model(name: str, out_dir: str | Path) -> None:
    """Save `name` as a plain local HF directory (safetensors) that every later stage loads."""
    model, tokenizer = load_source_model(name)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    write_checksums(Path(out_dir))  # every later load checks the files against these


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """The tokenizer with a pad token (GPT-2 has none: reuse EOS; labels are masked with the
    attention mask, never by pad id, so a real EOS is never confused with padding)."""
    from transformers import AutoTokenizer

    tokenizer = load_local(lambda: AutoTokenizer.from_pretrained(str(path)), path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


@dataclass(frozen=True)
class RuntimeOptions:
    """Speed and memory switches that do not change what is computed (up to float rounding)."""

    compile: bool = False  # torch.compile the forward pass (dynamic shapes, unless buckets)
    gradient_checkpointing: bool = False  # recompute activations in backward: less memory
    # Pad each LM training batch to the smallest of these lengths that holds it: a few fixed
    # shapes, so a compiled step can use static shapes (None: each batch its own longest).
    length_buckets: tuple[int, ...] | None = None
    bf16_weights: bool = False  # train.precision bf16: weights in bf16 (CUDA), not only autocast


def prepare_for_training(model: PreTrainedModel, options: RuntimeOptions) -> PreTrainedModel:
    if options.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False  # a KV cache is useless in training and breaks recompute
    if options.bf16_weights:
        model.to(torch.bfloat16)
    if options.compile:
        # Compile the bound forward, not the module, so state_dict keys (and checkpoints) stay
        # the same as without compilation; static shapes where the batches are bucketed.
        model.forward = torch.compile(model.forward, dynamic=options.length_buckets is None)
    return model


def peak_memory_mib(device: torch.device) -> float:
    """Peak memory of this process so far: GPU allocations on CUDA, resident set size on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def load_causal_lm(path: str | Path) -> PreTrainedModel:
    from transformers import AutoModelForCausalLM

    # SDPA: PyTorch's fused attention kernels (flash / memory-efficient on GPU).
    model = load_local(
        lambda: AutoModelForCausalLM.from_pretrained(
            str(path), dtype=torch.float32, attn_implementation="sdpa"
        ),
        path,
    )
    if model.config.pad_token_id is None:
        model.config.pad_token_id = model.config.eos_token_id
    return model


def last_token_states(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Hidden state of each sequence's last non-pad token, whichever side the padding is on."""
    positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
    last = (attention_mask.long() * positions).argmax(dim=1)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def count_parameters(path: str | Path) -> int:
    """Parameters of the model in a local HF directory, counted without loading its weights."""
    from transformers import AutoConfig, AutoModelForCausalLM

    config = load_local(lambda: AutoConfig.from_pretrained(str(path)), path)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    return sum(p.numel() for p in model.parameters())


def load_backbone(path: str | Path) -> PreTrainedModel:
    """The LM without its language-model head (GPT2Model, LlamaModel, ...): hidden states."""
    from transformers import AutoModel

    return load_local(
        lambda: AutoModel.from_pretrained(
            str(path), dtype=torch.float32, attn_implementation="sdpa"
        ),
        path,
    )


class HeadClassifier(nn.Module):
    """A linear head on the LM's last non-pad hidden state (the conventional classifier)."""

    def __init__(self, backbone: PreTrainedModel, num_labels: int):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.config.hidden_size, num_labels)

    @classmethod
    def from_pretrained(cls, path: str | Path, num_labels: int) -> HeadClassifier:
        return cls(load_backbone(path), num_labels)

    def features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return last_token_states(hidden, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(input_ids, attention_mask).float())
