"""Turn articles into model inputs: a token budget for the article, then the prompt pattern.

The article alone is cut, never the instruction or the target, so a long article cannot push the
label out of the sequence the model is trained and scored on.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from transformers import PreTrainedTokenizerBase


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


def format_rows(
    texts: Sequence[str],
    labels: Sequence[int],
    tokenizer: PreTrainedTokenizerBase,
    template: str,
    label_words: Sequence[str],
    max_article_tokens: int,
) -> pd.DataFrame:
    """Model inputs for each row: the truncated article (head methods), prompt and target."""
    articles = truncate_to_tokens(texts, tokenizer, max_article_tokens)
    return pd.DataFrame(
        {
            "article": articles,
            "prompt": [format_prompt(template, a) for a in articles],
            "target": [label_words[int(y)] for y in labels],
            "label": [int(y) for y in labels],
        }
    )


def encode_prompt_target(
    tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], targets: Sequence[str]
) -> tuple[list[list[int]], list[list[int]]]:
    """Token ids of prompts and targets, encoded separately so the boundary is exact: training
    and rank classification both score the target's own tokens after the prompt's."""
    prompt_ids = tokenizer(list(prompts), add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(list(targets), add_special_tokens=False)["input_ids"]
    empty = [t for t, ids in zip(targets, target_ids, strict=True) if not ids]
    if empty:
        raise ValueError(f"format.label_words: {empty[0]!r} encodes to no tokens")
    return prompt_ids, target_ids
