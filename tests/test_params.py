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
    assert set(p.train.methods) == {"head_frozen", "head_full", "prompt"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "train.methods",
            ["head", "prompt"],
            r"'train.methods' has unknown value\(s\) \['head'\]; "
            r"allowed: \['head_frozen', 'head_full', 'prompt'\]",
        ),
        ("sample.sizes", [10, -5], r"'sample.sizes' must hold integers >= 1, got -5"),
        ("sample.sizes", [], r"'sample.sizes' must be a non-empty list"),
        ("format.label_words", [" World", " Sports"], r"'format.label_words' must give one"),
        ("format.template", "Article: {txt}", r"'format.template' must contain '\{text\}'"),
        ("format.template", "{text} {other}", r"'format.template' may hold no placeholder"),
        ("eval.verbalisers", ["exact", "bleu"], r"'eval.verbalisers' has unknown value"),
        ("train.learning_rate.prompt", KeyError, r"missing key 'train.learning_rate.prompt'"),
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
        parse_params(with_change("train.limits.prompt", {"max_size": 5, "seeds_at_max_size": None}))


def test_missing_limits_for_a_method_is_named():
    with pytest.raises(ParamsError, match="missing key 'train.limits.head_full'"):
        parse_params(with_change("train.limits.head_full", KeyError))
