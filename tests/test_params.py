import copy
from pathlib import Path

import pytest
import yaml

from promptworth.params import ParamsError, load_params, parse_params

DEFAULTS = yaml.safe_load((Path(__file__).parents[1] / "params.yaml").read_text())


def with_change(path: str, value):
    raw = copy.deepcopy(DEFAULTS)
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return raw


def test_repository_params_are_valid_and_are_the_real_experiment():
    p = load_params(Path(__file__).parents[1] / "params.yaml")
    assert p.model.name == "gpt2" and p.data.source == "ag_news"
    assert p.sample.sizes == (10, 100, 1000, 10000, 100000) and len(p.sample.seeds) == 3
    assert set(p.train.methods) == {
        "head_frozen",
        "head_full",
        "prompt",
        "prompt_null",
        "prompt_lora",
        "prompt_tuning",
        "icl_zero",
        "icl_few",
    }
    assert len(p.train.patterns) >= 3 and p.train.patterns[0] == p.train.main_pattern == "instruct"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "train.methods",
            ["head", "prompt"],
            r"'train.methods' has unknown value\(s\) \['head'\]; "
            r"allowed: \['head_frozen', 'head_full', 'prompt', 'prompt_null',",
        ),
        ("sample.sizes", [10, -5], r"'sample.sizes' must hold integers >= 1, got -5"),
        ("sample.sizes", [], r"'sample.sizes' must be a non-empty list"),
        (
            "format.patterns.question.label_words",
            [" World", " Sports"],
            r"'format.patterns.question.label_words' must give one",
        ),
        (
            "format.patterns.instruct.template",
            "Article: {txt}",
            r"'format.patterns.instruct.template' must contain '\{text\}'",
        ),
        (
            "format.patterns.instruct.template",
            "{text} {other}",
            r"'format.patterns.instruct.template' may hold no placeholder",
        ),
        ("format.null_label_words", [" Al"], r"'format.null_label_words' must give one"),
        ("train.patterns", ["instruct", "qa"], r"'train.patterns' has unknown value\(s\) \['qa'\]"),
        ("train.main_pattern", "category2", r"'train.main_pattern' must be one of train.patterns"),
        ("train.early_stopping.patience", 0, r"'train.early_stopping.patience' must be an integer"),
        ("train.icl.shots", 0, r"'train.icl.shots' must be an integer >= 1"),
        ("train.limits.prompt.all_patterns", "yes", r"'train.limits.prompt.all_patterns' must be"),
        ("eval.generation_methods", ["icl_zero"], r"'eval.generation_methods' has unknown"),
        ("eval.verbalisers", ["exact", "bleu"], r"'eval.verbalisers' has unknown value"),
        ("train.learning_rate.prompt", KeyError, r"missing key 'train.learning_rate.prompt'"),
        (
            "train.learning_rate.head_full",
            {"backbone": 2e-5, "heads": 1e-3},
            r"'train.learning_rate.head_full' takes only 'backbone' and 'head', got \['heads'\]",
        ),
        (
            "train.learning_rate.head_full",
            {"backbone": 2e-5},
            r"missing key 'train.learning_rate.head_full.head'",
        ),
        (
            "train.learning_rate.head_full",
            {"backbone": 2e-5, "head": "fast"},
            r"'train.learning_rate.head_full.head' must be a number",
        ),
        (
            "train.learning_rate.prompt",
            {"backbone": 2e-5, "head": 1e-3},
            r"'train.learning_rate.prompt' must be a number",
        ),
        ("train.max_steps", 0, r"'train.max_steps' must be an integer >= 1"),
        ("eval.test_size", 0, r"'eval.test_size' must be an integer >= 1"),
        ("report.baseline", "prompt", r"'report.baseline' must be one of"),
        ("model", KeyError, r"missing key 'model'"),
    ],
)
def test_bad_params_name_the_key(key, value, message):
    with pytest.raises(ParamsError, match=message):
        parse_params(with_change(key, value))


def test_missing_params_file_is_named(tmp_path):
    with pytest.raises(ParamsError, match="params file not found"):
        load_params(tmp_path / "nope.yaml")


def test_sizes_are_sorted():
    assert parse_params(with_change("sample.sizes", [100, 10])).sample.sizes == (10, 100)


def test_limit_below_every_size_is_named():
    with pytest.raises(ParamsError, match=r"'train.limits.prompt.max_size' \(5\) is below every"):
        parse_params(with_change("train.limits.prompt.max_size", 5))


def test_missing_limits_for_a_method_is_named():
    with pytest.raises(ParamsError, match="missing key 'train.limits.head_full'"):
        parse_params(with_change("train.limits.head_full", KeyError))


def test_main_pattern_comes_first_whatever_the_list_order():
    raw = with_change("train.main_pattern", "category")
    assert parse_params(raw).train.patterns == ("category", "instruct", "question")


def test_null_control_swaps_in_the_null_words():
    p = load_params(Path(__file__).parents[1] / "params.yaml").format
    assert p.for_run("prompt_null", "instruct").label_words == p.null_label_words
    assert p.for_run("prompt_null", "instruct").template == p.patterns["instruct"].template
    assert p.for_run("prompt", "question") == p.patterns["question"]


def test_icl_methods_need_no_learning_rate():
    raw = with_change("train.learning_rate.icl_few", KeyError)
    assert "icl_few" not in parse_params(raw).train.learning_rate


def test_head_full_takes_separate_backbone_and_head_rates_or_one_for_both():
    p = parse_params(with_change("train.learning_rate.head_full", {"backbone": 3e-5, "head": 2e-3}))
    assert p.train.learning_rate["head_full"] == 3e-5 and p.train.head_learning_rate == 2e-3
    p = parse_params(with_change("train.learning_rate.head_full", 4e-5))
    assert p.train.learning_rate["head_full"] == p.train.head_learning_rate == 4e-5
