"""The methods: one module each, found by name, every method in exactly one family."""

import pytest

from promptworth.config.methods import (
    FAMILIES,
    Method,
    Run,
    find_method,
    kind_module,
    method_names,
    methods_of,
)
from promptworth.methods.registry import Behaviour, behaviour


def test_every_method_belongs_to_one_family_and_every_family_has_a_method():
    specs = [find_method(n) for n in method_names()]
    assert {m.family for m in specs} == set(FAMILIES)
    assert sorted(n for f in FAMILIES for n in methods_of(f)) == sorted(method_names())


@pytest.mark.parametrize("name", method_names())
def test_each_module_declares_its_method_and_behaviour(name):
    spec = find_method(name)
    assert isinstance(spec, Method) and spec.name == name
    how = behaviour(Run(name))
    assert isinstance(how, Behaviour) and how.spec is spec
    # What trains decides whether there is a trainer and a checkpoint to keep.
    assert (how.trainer is None) == (not spec.is_trained) == (spec.checkpoint is None)
    if spec.is_trained:
        assert "learning_rate" in spec.settings


def test_what_trains_decides_how_a_run_is_saved():
    assert find_method("head_frozen").checkpoint.startswith("head.safetensors")
    assert find_method("prompt_lora").checkpoint.startswith("adapter/")
    assert find_method("icl_few").checkpoint is None


def test_an_unknown_method_names_the_known_ones():
    with pytest.raises(KeyError, match="no method 'bitfit'.*head_frozen"):
        kind_module("bitfit")
    with pytest.raises(KeyError, match="no method"):
        kind_module("../prompt")


def test_heads_read_no_pattern_and_zero_shot_reads_no_data():
    assert not find_method("head_full").reads_pattern and find_method("prompt").reads_pattern
    assert not find_method("icl_zero").uses_training_data
    assert find_method("icl_few").uses_training_data


def test_run_names_match_the_dvc_matrix_stage_names():
    assert Run("prompt_lora", "question", 10, 0).name == "prompt_lora-question-10-0"
    assert Run("head_full", None, 10, 0).name == "head_full-10-0"
    assert Run("icl_zero", "instruct").name == "icl_zero-instruct"
    assert Run("icl_zero", "instruct").training_points == 0
