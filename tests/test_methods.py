"""The method table: every method in exactly one family, and what the scripts ask of it."""

from promptworth.config.methods import CHECKPOINTS, FAMILIES, METHODS, Run, methods_of


def test_every_method_belongs_to_one_family_and_every_family_has_a_method():
    assert {m.family for m in METHODS.values()} == set(FAMILIES)
    assert sorted(n for f in FAMILIES for n in methods_of(f)) == sorted(METHODS)


def test_what_trains_decides_how_a_run_is_saved():
    trained = {m.trains for m in METHODS.values() if m.is_trained}
    assert trained == set(CHECKPOINTS)
    assert METHODS["head_frozen"].checkpoint.startswith("head.safetensors")
    assert METHODS["prompt_lora"].checkpoint.startswith("adapter/")
    assert METHODS["icl_few"].checkpoint is None


def test_heads_read_no_pattern_and_zero_shot_reads_no_data():
    assert not METHODS["head_full"].reads_pattern and METHODS["prompt"].reads_pattern
    assert not METHODS["icl_zero"].uses_training_data and METHODS["icl_few"].uses_training_data


def test_run_names_match_the_dvc_matrix_stage_names():
    assert Run("prompt_lora", "question", 10, 0).name == "prompt_lora-question-10-0"
    assert Run("head_full", None, 10, 0).name == "head_full-10-0"
    assert Run("icl_zero", "instruct").name == "icl_zero-instruct"
    assert Run("icl_zero", "instruct").training_points == 0
