import pandas as pd
import pytest

from promptworth.data.prompts import (
    apply_pattern,
    content_free_prompt,
    encode_prompt_target,
    format_prompt,
    input_allowances,
    input_separator,
    truncate_inputs,
)
from promptworth.lm.batching import IGNORE_INDEX, lm_batch, pad_batch


def truncate_rows(texts, labels, tokenizer, max_input_tokens):
    rows = pd.DataFrame({"text": list(texts), "label": list(labels)})
    return truncate_inputs(rows, ["text"], tokenizer, max_input_tokens)


def truncate_to_tokens(texts, tokenizer, max_tokens):
    return truncate_rows(texts, [0] * len(texts), tokenizer, max_tokens)["text"].tolist()


TEMPLATE = "Given news article: {text}. The topic is:"
WORDS = [" World", " Sports", " Business", " Sci/Tech"]


def test_format_prompt_keeps_braces_in_articles():
    assert (
        format_prompt(TEMPLATE, {"text": "a {b} c"}) == "Given news article: a {b} c. The topic is:"
    )


def test_truncation_cuts_the_article_to_the_budget(tiny_tokenizer):
    long = " ".join(["market shares profit"] * 30)
    (cut,) = truncate_to_tokens([long], tiny_tokenizer, 10)
    assert len(tiny_tokenizer(cut, add_special_tokens=False)["input_ids"]) <= 10
    assert long.startswith(cut)


def test_short_articles_are_kept_verbatim(tiny_tokenizer):
    assert truncate_to_tokens(["match goal."], tiny_tokenizer, 50) == ["match goal."]


def test_pattern_never_cuts_instruction_or_target(tiny_tokenizer):
    long = " ".join(["election minister treaty"] * 40)
    rows = truncate_rows([long], [3], tiny_tokenizer, max_input_tokens=8)
    rows = apply_pattern(rows, TEMPLATE, WORDS)
    prompt, target = rows.loc[0, "prompt"], rows.loc[0, "target"]
    assert prompt.startswith("Given news article: ") and prompt.endswith(". The topic is:")
    assert target == " Sci/Tech"
    assert rows.loc[0, "text"] in prompt


def test_lm_batch_labels_only_the_target_tokens(tiny_tokenizer):
    prompts, targets = encode_prompt_target(
        tiny_tokenizer, ["Given news article: goal. The topic is:", "x:"], [" Sports", " Sci/Tech"]
    )
    ids, mask, labels = lm_batch(prompts, targets, tiny_tokenizer.pad_token_id)
    for i, (p, t) in enumerate(zip(prompts, targets, strict=True)):
        assert labels[i, len(p) : len(p) + len(t)].tolist() == t
        assert (labels[i, : len(p)] == IGNORE_INDEX).all()
        assert (labels[i, len(p) + len(t) :] == IGNORE_INDEX).all()
        assert mask[i].sum() == len(p) + len(t)


def test_pad_batch_left_puts_tokens_at_the_end():
    ids, mask = pad_batch([[5, 6], [7]], pad_id=0, side="left")
    assert ids.tolist() == [[5, 6], [0, 7]] and mask.tolist() == [[1, 1], [0, 1]]


def test_empty_label_word_is_an_error(tiny_tokenizer):
    with pytest.raises(ValueError, match="label_words"):
        encode_prompt_target(tiny_tokenizer, ["x"], [""])


def test_length_grouped_epoch_covers_every_example_once_with_little_padding():
    import torch

    from promptworth.lm.batching import length_grouped_order

    lengths = [5, 90, 7, 88, 6, 91, 8, 89] * 4
    batches = length_grouped_order(lengths, 4, torch.Generator().manual_seed(0))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    # similar lengths share a batch: no batch mixes a short (<10) and a long (>80) example
    assert all(len({lengths[i] < 50 for i in b}) == 1 for b in batches)


def test_each_pattern_brings_its_own_label_words(tiny_tokenizer):
    rows = truncate_rows(["goal match.", "bank profit."], [1, 2], tiny_tokenizer, 16)
    other = apply_pattern(rows, "{text} Topic:", [" w", " sport", " money", " tech"])
    assert other["prompt"].tolist() == ["goal match. Topic:", "bank profit. Topic:"]
    assert other["target"].tolist() == [" sport", " money"]
    assert "prompt" not in rows  # the formatted rows themselves stay pattern-free


def test_content_free_input_fills_the_pattern_with_na():
    assert content_free_prompt(TEMPLATE) == "Given news article: N/A. The topic is:"


def test_the_longest_input_is_cut_first():
    assert input_allowances([50, 10], 40) == [30, 10]  # only the passage is cut
    assert input_allowances([30, 30], 40) == [20, 20]  # both long: an even share
    assert input_allowances([7, 5, 100], 20) == [7, 5, 8]
    assert input_allowances([5, 6], 40) == [5, 6]  # within budget: untouched
    assert input_allowances([100], 64) == [64]  # one input: the first 64 tokens, as before


def test_pair_inputs_fill_their_slots_and_the_heads_read_them_joined(tiny_tokenizer):
    rows = pd.DataFrame(
        {"premise": ["goal match coach " * 20], "hypothesis": ["sports"], "label": [1]}
    )
    table = truncate_inputs(rows, ["premise", "hypothesis"], tiny_tokenizer, 16)
    assert table.loc[0, "hypothesis"] == "sports"  # the short input is never cut
    ids = tiny_tokenizer(table.loc[0, "premise"], add_special_tokens=False)["input_ids"]
    assert len(ids) + 1 <= 16
    sep = input_separator(tiny_tokenizer)
    assert sep == "\n" and table.loc[0, "head_input"] == table.loc[0, "premise"] + sep + "sports"
    out = apply_pattern(table, "{premise} Question: {hypothesis}? Answer:", [" no", " yes"])
    assert out.loc[0, "prompt"].endswith("Question: sports? Answer:")
    assert out.loc[0, "target"] == " yes"
    assert content_free_prompt("{premise} Q: {hypothesis}?") == "N/A Q: N/A?"
