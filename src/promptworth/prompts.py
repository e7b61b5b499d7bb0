"""Turn articles into model inputs: a token budget for the article, then the prompt pattern.

The article alone is cut, never the instruction or the target, so a long article cannot push the
label out of the sequence the model is trained and scored on.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from transformers import PreTrainedTokenizerBase

from .errors import ParamsError


def truncate_to_tokens(
    texts: Sequence[str], tokenizer: PreTrainedTokenizerBase, max_tokens: int
) -> list[str]:
    """Cut each text to its first `max_tokens` tokens (texts within budget are kept verbatim)."""
    encoded = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    out = []
    for text, ids in zip(texts, encoded, strict=True):
        if len(ids) <= max_tokens:
            out.append(text)
        else:
            # A cut can split a multi-byte character; drop the replacement char it decodes to.
            out.append(tokenizer.decode(ids[:max_tokens]).replace("\ufffd", "").strip())
    return out


def format_prompt(template: str, text: str) -> str:
    """Fill the pattern; str.replace, not str.format, so braces inside articles are harmless."""
    return template.replace("{text}", text)


def truncate_rows(
    texts: Sequence[str],
    labels: Sequence[int],
    tokenizer: PreTrainedTokenizerBase,
    max_article_tokens: int,
) -> pd.DataFrame:
    """The article of each row cut to its token budget, with its label (the `format` stage)."""
    return pd.DataFrame(
        {
            "article": truncate_to_tokens(texts, tokenizer, max_article_tokens),
            "label": [int(y) for y in labels],
        }
    )


def apply_pattern(rows: pd.DataFrame, template: str, label_words: Sequence[str]) -> pd.DataFrame:
    """Rows with a `prompt` (pattern filled with the article) and a `target` (the label word)."""
    return rows.assign(
        prompt=[format_prompt(template, a) for a in rows["article"]],
        target=[label_words[int(y)] for y in rows["label"]],
    )


def content_free_prompt(template: str) -> str:
    """Contextual calibration's content-free input in the same pattern (Zhao et al. 2021)."""
    return format_prompt(template, "N/A")


def encode_prompt_target(
    tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], targets: Sequence[str]
) -> tuple[list[list[int]], list[list[int]]]:
    """Token ids of prompts and targets, encoded separately so the boundary is exact: training
    and rank classification both score the target's own tokens after the prompt's."""
    prompt_ids = tokenizer(list(prompts), add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(list(targets), add_special_tokens=False)["input_ids"]
    empty = [t for t, ids in zip(targets, target_ids, strict=True) if not ids]
    if empty:
        raise ParamsError(f"label_words: {empty[0]!r} encodes to no tokens with this tokenizer")
    return prompt_ids, target_ids


def label_token_ids(
    tokenizer: PreTrainedTokenizerBase, label_words: Sequence[str]
) -> list[list[int]]:
    """Token ids of each label word, encoded as a target is in training."""
    return encode_prompt_target(tokenizer, [""] * len(label_words), label_words)[1]
