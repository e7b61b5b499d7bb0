"""Turn a task's inputs into model inputs: a token budget for the inputs, then the pattern.

A task has one or more input columns (`text`; `premise` and `hypothesis`). Only the inputs are cut,
the longest first, never the instruction or the target, so a long passage cannot push the
question or the label out of the sequence the model is trained and scored on. A pattern names
each input by a slot (`{premise}`); the heads read the inputs joined by the tokenizer's separator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from promptworth.core.errors import ParamsError
from promptworth.core.text import template_slots

if TYPE_CHECKING:  # only for annotations: a stage that formats no text loads no transformers
    from transformers import PreTrainedTokenizerBase

CONTENT_FREE = "N/A"  # contextual calibration's content-free input (Zhao et al. 2021)
PLAIN_SEPARATOR = "\n"  # between a head's inputs when the tokenizer has no separator token


def encode_texts(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of each text, no special tokens; no texts give none (a tokenizer refuses an
    empty batch, which sample.dev_size 0 makes)."""
    texts = list(texts)
    return tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []


def input_allowances(lengths: Sequence[int], budget: int) -> list[int]:
    """Tokens each input keeps so that together they fit `budget`, cutting the longest first:
    every input keeps min(its length, c) for the largest cap c that fits, and the tokens left
    over go one each to the inputs still cut, in column order. One input: min(length, budget)."""
    if sum(lengths) <= budget:
        return list(lengths)
    low, high = 0, max(lengths)
    while low < high:  # the largest cap c with sum(min(n, c)) <= budget
        mid = (low + high + 1) // 2
        if sum(min(n, mid) for n in lengths) <= budget:
            low = mid
        else:
            high = mid - 1
    keep = [min(n, low) for n in lengths]
    spare = budget - sum(keep)
    for i, n in enumerate(lengths):
        if spare and n > keep[i]:
            keep[i] += 1
            spare -= 1
    return keep


def _cut(tokenizer, text: str, ids: list[int], keep: int) -> str:
    if keep >= len(ids):
        return text  # within budget: verbatim
    # A cut can split a multi-byte character; drop the replacement char it decodes to.
    return tokenizer.decode(ids[:keep]).replace("\ufffd", "").strip()


def truncate_inputs(
    rows: pd.DataFrame,
    inputs: Sequence[str],
    tokenizer: PreTrainedTokenizerBase,
    max_tokens: int,
) -> pd.DataFrame:
    """Each row's inputs cut to `max_tokens` tokens together (longest first), its label, and
    `head_input`: the inputs joined as the head methods read them (the `format` stage)."""
    encoded = {
        c: tokenizer(rows[c].tolist(), add_special_tokens=False)["input_ids"] for c in inputs
    }
    cut: dict[str, list[str]] = {c: [] for c in inputs}
    for i in range(len(rows)):
        ids = [encoded[c][i] for c in inputs]
        for c, row_ids, keep in zip(
            inputs, ids, input_allowances([len(x) for x in ids], max_tokens), strict=True
        ):
            cut[c].append(_cut(tokenizer, rows[c].iloc[i], row_ids, keep))
    table = pd.DataFrame(cut)
    table["label"] = [int(y) for y in rows["label"]]
    table["head_input"] = join_inputs(table, inputs, input_separator(tokenizer))
    return table


def input_separator(tokenizer: PreTrainedTokenizerBase) -> str:
    """Between a head's inputs: the tokenizer's separator token (BERT-style models), else a
    newline (GPT-2 and Llama have none)."""
    sep = getattr(tokenizer, "sep_token", None)
    return f" {sep} " if sep else PLAIN_SEPARATOR


def join_inputs(rows: pd.DataFrame, inputs: Sequence[str], separator: str) -> list[str]:
    """One text per row for the heads: its inputs in column order (one input: itself)."""
    return [separator.join(values) for values in zip(*(rows[c] for c in inputs), strict=True)]


def format_prompt(template: str, values: Mapping[str, str]) -> str:
    """Fill each slot; str.replace, not str.format, so braces inside inputs are harmless."""
    for column, value in values.items():
        template = template.replace("{" + column + "}", value)
    return template


def apply_pattern(rows: pd.DataFrame, template: str, label_words: Sequence[str]) -> pd.DataFrame:
    """Rows with a `prompt` (the pattern, its slots filled from the row's input columns) and a
    `target` (the label word)."""
    slots = template_slots(template)
    return rows.assign(
        prompt=[
            format_prompt(template, dict(zip(slots, values, strict=True)))
            for values in zip(*(rows[c] for c in slots), strict=True)
        ],
        target=[label_words[int(y)] for y in rows["label"]],
    )


def content_free_prompt(template: str) -> str:
    """Contextual calibration's content-free input in the same pattern: every slot "N/A"."""
    return format_prompt(template, {c: CONTENT_FREE for c in template_slots(template)})


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
