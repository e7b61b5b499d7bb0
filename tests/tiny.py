"""Tiny, offline stand-ins for AG News, GPT-2 and the BERTScore backbone, built in seconds.

Synthetic articles: filler words plus keywords of their class, so a 2-layer model can learn the
topic; class names and the prompt's words are in the tokenizer's training text.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

LABEL_NAMES = ["World", "Sports", "Business", "Sci/Tech"]
KEYWORDS = [
    ["election", "minister", "embassy", "treaty", "rebels", "parliament"],
    ["match", "goal", "coach", "league", "tennis", "champion"],
    ["shares", "profit", "market", "bank", "merger", "investors"],
    ["software", "internet", "computer", "space", "chip", "research"],
]
FILLER = [
    *("the", "a", "of", "in", "on", "for", "with", "to", "and"),
    *("said", "today", "new", "year", "after", "over", "by", "at", "as"),
]
TEMPLATE = "Given news article: {text}. The topic is:"


def synthetic_articles(n: int, seed: int) -> pd.DataFrame:
    """n rows, classes cycling so every prefix is balanced; each text has 3 class keywords."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 4
        words = rng.choices(FILLER, k=7) + rng.sample(KEYWORDS[label], 3)
        rng.shuffle(words)
        rows.append({"text": " ".join(words).capitalize() + ".", "label": label})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def corpus() -> list[str]:
    words = sorted({w for ws in KEYWORDS for w in ws} | set(FILLER))
    lines = [TEMPLATE.replace("{text}", " ".join(words))]
    lines += [f"The topic is: {name}." for name in LABEL_NAMES] * 20
    lines += list(synthetic_articles(200, 99)["text"])
    return lines


def build_tokenizer(out_dir: Path):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus(),
        vocab_size=600,
        min_frequency=1,
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    tok = GPT2TokenizerFast(
        tokenizer_object=bpe._tokenizer,
        eos_token="<|endoftext|>",
        bos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    tok.save_pretrained(out_dir)
    return tok


def build_tiny_gpt2(out_dir: Path) -> Path:
    """A randomly initialised 2-layer GPT-2 with its own tokenizer, saved as an HF directory."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    out_dir.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer(out_dir)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tok),
        n_positions=128,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(out_dir)
    return out_dir


def build_tiny_bert(out_dir: Path) -> Path:
    """A randomly initialised 2-layer BERT with a word-level vocabulary, for BERTScore offline."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out_dir.mkdir(parents=True, exist_ok=True)
    raw = {w for line in corpus() for w in line.replace(".", " ").replace(":", " ").split()}
    raw |= {part for w in list(raw) for part in w.split("/")}
    words = sorted(raw | {w.lower() for w in raw})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ":", "/"] + words
    (out_dir / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab=str(out_dir / "vocab.txt"), model_max_length=128)
    tok.save_pretrained(out_dir)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertModel(config).save_pretrained(out_dir)
    return out_dir


def write_dataset(out_dir: Path, n_train: int = 240, n_test: int = 80) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    train, test = out_dir / "train.csv", out_dir / "test.csv"
    synthetic_articles(n_train, 1).to_csv(train, index=False)
    synthetic_articles(n_test, 2).to_csv(test, index=False)
    return train, test


def tiny_params(base: dict, train_csv: Path, test_csv: Path, model: Path, bert: Path) -> dict:
    """params.yaml for a whole pipeline run, every method and two patterns, in a few minutes on
    2 CPU cores."""
    p = {k: dict(v) for k, v in base.items()}
    p["data"].update(source=str(train_csv), test_source=str(test_csv))
    p["model"]["name"] = str(model)
    p["sample"].update(dev_size=24, test_size=40)
    p["format"].update(
        max_input_tokens=24,
        patterns={
            "instruct": {"template": TEMPLATE, "label_words": [" " + n for n in LABEL_NAMES]},
            "keyword": {
                "template": "{text} Topic:",
                "label_words": [" election", " match", " market", " software"],
            },
        },
    )
    # Every family; the parameter-efficient methods and icl_few on fewer axes, as a CPU grid
    # would be written: smaller axes, not trimming rules.
    p["grid"] = {
        "head": {"methods": ["head_frozen", "head_full"], "sizes": [8, 40], "seeds": [0, 1]},
        "prompt": {
            "methods": ["prompt", "prompt_null", "prompt_lora", "prompt_tuning"],
            "patterns": ["instruct", "keyword"],
            "sizes": [8, 40],
            "seeds": [0],
        },
        "icl_zero": {"patterns": ["instruct", "keyword"]},
        "icl_few": {"patterns": ["instruct"], "sizes": [8], "seeds": [0, 1]},
    }
    p["train"].update(
        epochs=2,
        min_steps=100,
        max_steps=150,
        batch_size=8,
        early_stopping={"patience": 2, "eval_interval": 50},
        eval_batch_size=32,
    )
    p["methods"] = {
        "head_frozen": {"learning_rate": [1.0e-2, 3.0e-2]},  # two candidates, chosen on dev
        "head_full": {"learning_rate": {"backbone": 3.0e-3, "head": 3.0e-2}},
        "prompt": {"learning_rate": 3.0e-3, "generate": True},
        "prompt_null": {
            "learning_rate": 3.0e-3,
            "label_words": [" Alice", " Bob", " Carol", " David"],
            "generate": True,
        },
        "prompt_lora": {
            "learning_rate": 1.0e-2, "rank": 4, "alpha": 8, "dropout": 0.0, "generate": False,
        },
        "prompt_tuning": {
            "learning_rate": 1.0e-1, "virtual_tokens": 4, "generate": False,
            "init_text": "Classify the topic: world, sports, business or science.",
        },
        # 64 tokens hold one demonstration and the query (~28 tokens each): exercises dropping.
        "icl_few": {"shots": 2, "max_tokens": 64},
    }  # fmt: skip
    p["eval"].update(batch_size=32, max_new_tokens=3)
    p["report"].update(bootstrap_resamples=200)  # the report runs several times in the e2e test
    p["eval"]["bertscore"] = {"model": str(bert), "num_layers": 2, "threshold": 0.9}
    return p
