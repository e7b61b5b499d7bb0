"""Any text-classification or sentence-pair task by params: loading, bad descriptions, and two
whole `dvc repro` runs on synthetic tasks (a 2-class single-text task with string labels, a
3-class pair task from a datasets.save_to_disk folder whose ClassLabel names the classes)."""

import json
import random

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from promptworth.core.errors import DataError
from promptworth.data.prompts import label_token_ids
from promptworth.data.readers import TaskColumns
from promptworth.data.sources import load_split, load_table
from promptworth.data.validate import validate_table
from promptworth.lm.modeling import load_causal_lm
from promptworth.readout.inference import rank_classify
from promptworth.readout.readings import calibrated_predictions
from promptworth.readout.verbalise import NONE, verbalise_exact, verbalise_rouge
from tests import tiny
from tests.repo import ROOT, dvc, make_repo

PAIR = TaskColumns(("premise", "hypothesis"), "label")
NLI = ("entailment", "neutral", "contradiction")
CUE = {0: "surely", 1: "perhaps", 2: "never"}  # the hypothesis word that decides the class


def sentiment_rows(n: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    words = {"positive": ["good", "great", "match"], "negative": ["bad", "awful", "shares"]}
    rows = []
    for i in range(n):
        label = ["negative", "positive"][i % 2]
        text = rng.choices(tiny.FILLER, k=6) + rng.sample(words[label], 2)
        rng.shuffle(text)
        rows.append({"sentence": " ".join(text), "sentiment": label, "id": i})
    return pd.DataFrame(rows)


def pair_rows(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    out = {"premise": [], "hypothesis": [], "label": []}
    for i in range(n):
        label = i % 3
        out["premise"].append(" ".join(rng.choices(tiny.FILLER + tiny.KEYWORDS[0], k=9)))
        out["hypothesis"].append(
            f"{rng.choice(tiny.FILLER)} {CUE[label]} {rng.choice(tiny.FILLER)}"
        )
        out["label"].append(label)
    return out


def save_pair_task(folder, n_train=180, n_test=60):
    """A DatasetDict written by save_to_disk, with other column names and a ClassLabel."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    features = Features(
        {"premise": Value("string"), "hypothesis": Value("string"), "label": ClassLabel(names=NLI)}
    )
    splits = {
        "train": Dataset.from_dict(pair_rows(n_train, 1), features=features),
        "validation": Dataset.from_dict(pair_rows(n_test, 2), features=features),
    }
    DatasetDict(splits).save_to_disk(str(folder))
    return folder


def test_a_save_to_disk_folder_loads_as_the_hub_would_with_its_classlabel_names(tmp_path):
    folder = save_pair_task(tmp_path / "nli")
    df = load_split(str(folder), "validation", None, PAIR)
    assert list(df.columns) == ["premise", "hypothesis", "label"] and len(df) == 60
    table = load_table(str(folder), None, "train", PAIR, "data.train_split")
    assert table.class_names == list(NLI)
    with pytest.raises(DataError, match=r"data.test_split: .* has no split 'test'; its splits"):
        load_table(str(folder), None, "test", PAIR, "data.test_split")


def test_string_labels_are_mapped_through_the_class_names(tmp_path):
    path = tmp_path / "sst.csv"
    sentiment_rows(4, 0).to_csv(path, index=False)
    columns = TaskColumns(("sentence",), "sentiment")
    df = load_split(str(path), "train", ("negative", "positive"), columns)
    assert df["label"].tolist() == [0, 1, 0, 1]
    with pytest.raises(DataError, match=r"label 'positive' is not a class of data.label_names"):
        load_split(str(path), "train", ("negative", "neutral"), columns)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            TaskColumns(("sentence", "context"), "sentiment"),
            r"data.inputs: column\(s\) \['context'\]",
        ),
        (TaskColumns(("sentence",), "stars"), r"data.label_column: column\(s\) \['stars'\]"),
    ],
)
def test_a_missing_column_is_named_by_its_key(tmp_path, columns, message):
    path = tmp_path / "t.parquet"
    sentiment_rows(4, 0).to_parquet(path)
    with pytest.raises(DataError, match=message):
        load_split(str(path), "train", ("negative", "positive"), columns)


def test_a_test_split_without_labels_is_refused(tmp_path):
    path = tmp_path / "test.parquet"
    pd.DataFrame({"premise": ["a"], "hypothesis": ["b"], "label": [-1]}).to_parquet(path)
    table = load_table(str(path), None, "test", PAIR, "data.test_split")
    with pytest.raises(DataError, match=r"data.test_split: .* has no labels .*validation split"):
        validate_table(table, NLI, PAIR, "data.test_split")


SHARED = [" entailment", " not entailment"]  # two words sharing nothing... but a suffix


def test_verbalisers_tell_apart_label_words_that_overlap():
    names = [w.strip() for w in SHARED]
    gens = ["not entailment", "entailment.", " Not entailment at all", "no"]
    assert verbalise_exact(gens, names).tolist() == [1, 0, 1, NONE]
    assert verbalise_rouge(gens[:2], names, 0.5).tolist() == [1, 0]


def test_rank_and_calibration_score_labels_that_share_a_first_token(tiny_model_dir, tiny_tokenizer):
    model = load_causal_lm(tiny_model_dir).eval()
    words = [" not", " not match"]  # the second begins with the first's only token
    labels = label_token_ids(tiny_tokenizer, words)
    assert labels[1][0] == labels[0][0] and len(labels[1]) > 1
    prompts = tiny_tokenizer(["goal match:", "bank profit:"], add_special_tokens=False)["input_ids"]
    scores = rank_classify(model, prompts, labels, 0, 2, torch.device("cpu"), progress=False)
    with torch.no_grad():
        for i, p in enumerate(prompts):
            for j, t in enumerate(labels):
                logp = torch.log_softmax(model(torch.tensor([p + t])).logits[0], -1)
                expected = sum(logp[len(p) - 1 + k, tok].item() for k, tok in enumerate(t))
                assert scores[i, j] == pytest.approx(expected, abs=1e-4)
    assert scores[0, 1] < scores[0, 0]  # the longer continuation adds a log-probability < 0
    content_free = scores[0]
    assert calibrated_predictions(scores, content_free).tolist()[0] in (0, 1)
    assert np.isfinite(scores).all()


def task_params(base: dict, model, bert) -> dict:
    """The tiny grid for a task: head_full and the prompt at 8 and 24 points, zero-shot."""
    p = tiny.tiny_params(base, "unused.csv", "unused.csv", model, bert)
    p["grid"] = {
        "head": {"methods": ["head_full"], "sizes": [8, 24], "seeds": [0]},
        "prompt": {"methods": ["prompt"], "patterns": ["task"], "sizes": [8, 24], "seeds": [0]},
        "icl_zero": {"patterns": ["task"]},
        "icl_few": {"patterns": [], "sizes": [8], "seeds": [0]},
    }
    p["report"]["main_pattern"] = "task"
    p["sample"].update(dev_size=12, test_size=None)
    return p


def pair_task_params(data_dir, model, bert, template: str, label_words: list[str]) -> dict:
    """The 3-class pair task, read from a save_to_disk folder, with one pattern `task`."""
    folder = save_pair_task(data_dir / "nli")
    base = yaml.safe_load((ROOT / "params.yaml").read_text())
    p = task_params(base, model, bert)
    p["data"].update(
        source=str(folder), test_source=None, test_split="validation",
        inputs=["premise", "hypothesis"], label_column="label", label_names=None,
    )  # fmt: skip
    p["format"]["patterns"] = {"task": {"template": template, "label_words": label_words}}
    p["methods"]["prompt_null"]["label_words"] = [" Alice", " Bob", " Carol", " David"][
        : len(label_words)
    ]
    return p


def repro_task(tmp_path_factory, params) -> tuple:
    work = make_repo(tmp_path_factory.mktemp("task"), params)
    out = dvc("repro", cwd=work)
    summary = json.loads((work / "metrics/summary.json").read_text())
    return work, out, summary


@pytest.mark.e2e
def test_a_two_class_single_text_task_runs_end_to_end(
    tmp_path_factory, tiny_model_dir, tiny_bert_dir
):
    data = tmp_path_factory.mktemp("sst")
    sentiment_rows(160, 1).to_csv(data / "train.csv", index=False)
    sentiment_rows(40, 2).to_csv(data / "test.csv", index=False)
    base = yaml.safe_load((ROOT / "params.yaml").read_text())
    p = task_params(base, tiny_model_dir, tiny_bert_dir)
    p["data"].update(
        source=str(data / "train.csv"), test_source=str(data / "test.csv"), inputs=["sentence"],
        label_column="sentiment", label_names=["negative", "positive"],
    )  # fmt: skip
    p["format"]["patterns"] = {
        "task": {"template": "Review: {sentence} Sentiment:", "label_words": [" bad", " good"]}
    }
    p["methods"]["prompt_null"]["label_words"] = [" Alice", " Bob"]
    work, out, summary = repro_task(tmp_path_factory, p)
    assert json.loads((work / "data/raw/classes.json").read_text()) == ["negative", "positive"]
    assert "prompt/rank vs head_full/argmax" in summary["data_advantage"]
    preds = pd.read_csv(work / "data/eval/prompt-task-24-0/predictions.csv")
    assert set(preds["label"]) == {0, 1} and set(preds["rank"]) <= {"negative", "positive"}
    assert (work / "reports/learning_curves.png").stat().st_size > 0


@pytest.mark.e2e
def test_a_three_class_pair_task_from_a_saved_dataset_runs_end_to_end(
    tmp_path_factory, tiny_model_dir, tiny_bert_dir
):
    p = pair_task_params(
        tmp_path_factory.mktemp("nli"), tiny_model_dir, tiny_bert_dir,
        "{premise} Question: {hypothesis}? Answer:", [" yes", " maybe", " no"],
    )  # fmt: skip
    work, out, summary = repro_task(tmp_path_factory, p)
    assert json.loads((work / "data/raw/classes.json").read_text()) == list(NLI)
    formatted = pd.read_parquet(work / "data/formatted/train.parquet")
    assert {"premise", "hypothesis", "head_input"} <= set(formatted.columns)
    assert (formatted["head_input"] == formatted["premise"] + "\n" + formatted["hypothesis"]).all()
    metrics = json.loads((work / "data/eval/head_full-24-0/metrics.json").read_text())
    assert len(metrics["readings"]["argmax"]["confusion"]) == 3
    assert "prompt/rank vs head_full/argmax" in summary["data_advantage"]
    report = (work / "reports/report.md").read_text()
    assert "## Data advantage" in report


@pytest.mark.e2e
def test_a_badly_described_task_fails_at_download_naming_the_key(
    tmp_path_factory, tiny_model_dir, tiny_bert_dir
):
    # Two words for a three-class task: found when the classes are read.
    p = pair_task_params(
        tmp_path_factory.mktemp("bad"), tiny_model_dir, tiny_bert_dir,
        "{premise} Q: {hypothesis}?", [" yes", " no"],
    )  # fmt: skip
    work = make_repo(tmp_path_factory.mktemp("badtask"), p)
    out = dvc("repro", cwd=work, ok=False)
    assert (
        "error: params: 'format.patterns.task.label_words' has 2 words, but the task has 3" in out
    )
    assert "Running stage 'train_" not in out and "Traceback" not in out
