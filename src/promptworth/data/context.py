"""Whether the longest prompt a run can build fits the model's context, checked before any stage
reads a row: the inputs (cut to format.max_input_tokens together), the pattern's own words and
the longest label word. A prompt past the context otherwise fails deep in torch with an
`IndexError: index out of range in self` (GPT-2's position table), after minutes of work."""

from __future__ import annotations

from pathlib import Path

from promptworth.core.errors import ParamsError
from promptworth.data.prompts import format_prompt, input_separator


def model_context(model_dir: str | Path) -> int | None:
    """Positions the model can read (config.json), None where the config does not say."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(model_dir))
    return getattr(config, "max_position_embeddings", None)


def _count(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def check_fits_context(params, tokenizer, max_positions: int | None) -> None:
    """Raise ParamsError naming format.max_input_tokens when a pattern's longest prompt and
    target, or a head's joined inputs, would not fit in `max_positions`."""
    if max_positions is None:
        return
    budget = params.format.max_input_tokens
    needs = []  # (positions needed, what, tokens besides the inputs)
    separator = _count(tokenizer, input_separator(tokenizer)) * (len(params.data.inputs) - 1)
    needs.append((budget + separator, "the heads' joined inputs", separator))
    extra_words = [w for m in params.methods.values() if m.label_words for w in m.label_words]
    for name, pattern in params.format.patterns.items():
        own = _count(tokenizer, format_prompt(pattern.template, dict.fromkeys(pattern.slots, "")))
        label = max(_count(tokenizer, w) for w in (*pattern.label_words, *extra_words))
        needs.append((budget + own + label, f"pattern '{name}' and its longest label word",
                      own + label))  # fmt: skip
    total, what, other = max(needs)
    if total > max_positions:
        raise ParamsError(
            f"params: 'format.max_input_tokens' ({budget}) with {what} needs {total} "
            f"positions, more than the model's context ({max_positions}, model.name's "
            f"config.json); set format.max_input_tokens to at most {max_positions - other}"
        )
