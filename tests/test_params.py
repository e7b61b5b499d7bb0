import copy
from pathlib import Path

import pytest
import yaml

from promptworth.config.params import load_params, parse_params
from promptworth.core.errors import ParamsError
from promptworth.core.yaml12 import load_yaml

PARAMS = Path(__file__).parents[1] / "params.yaml"
DEFAULTS = yaml.safe_load(PARAMS.read_text())


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
    p = load_params(PARAMS)
    assert p.model_name == "gpt2" and p.data.source == "ag_news"
    assert p.grid.head.sizes == (10, 100, 1000, 10000, 100000) and len(p.grid.head.seeds) == 3
    assert p.grid.prompt.methods == ("prompt", "prompt_null")
    assert p.report.main_pattern == "instruct" and len(p.format.patterns) >= 3


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "grid.prompt.methods",
            ["prompt", "bogus"],
            r"'grid.prompt.methods' has unknown value\(s\) \['bogus'\]; "
            r"allowed: \['prompt', 'prompt_lora', 'prompt_null', 'prompt_tuning'\]",
        ),
        ("grid.head.methods", ["prompt"], r"'grid.head.methods' has unknown value\(s\)"),
        ("eval.cpu_bf16", "yes", r"'eval.cpu_bf16' must be auto, true or false, got 'yes'"),
        ("train.cpu_bf16", 1, r"'train.cpu_bf16' must be auto, true or false, got 1"),
        ("grid.head.sizes", [10, -5], r"'grid.head.sizes' must hold integers >= 1, got -5"),
        ("grid.head.sizes", [10, 10], r"'grid.head.sizes' has duplicate entries"),
        ("grid.icl_zero.sizes", [10], r"'grid.icl_zero' has unknown key\(s\) \['sizes'\]"),
        ("grid.prompt.patterns", ["instruct", "qa"], r"'grid.prompt.patterns' has unknown"),
        (
            "format.patterns.question.label_words",
            [" World", " Sports"],
            r"'format.patterns.question.label_words' must give one",
        ),
        (
            "format.patterns.instruct.label_words",
            [" World", " world", " Business", " Sci/Tech"],
            r"has ' World' and ' world', which are the same word once case and punctuation",
        ),
        (
            "format.patterns.instruct.label_words",
            [" World", " ?", " Business", " Sci/Tech"],
            r"has ' \?', which is only punctuation",
        ),
        (
            "format.patterns.instruct.label_words",
            [" Sci-Tech", " Sports", " Business", " Sci/Tech"],
            r"the same word once case and punctuation are ignored",
        ),
        (
            "format.patterns.instruct.template",
            "Article: {txt}",
            r"'format.patterns.instruct.template' has the slot \{txt\}, but data.inputs "
            r"\['text'\] has no column 'txt'",
        ),
        (
            "format.patterns.instruct.template",
            "Article: {text} {text}",
            r"'format.patterns.instruct.template' must hold the slot \{text\} exactly once",
        ),
        (
            "format.patterns.instruct.template",
            "{text} {0}",
            r"'format.patterns.instruct.template' may hold no placeholder but the input slots",
        ),
        ("data.inputs", ["premise", "hypo thesis"], r"'data.inputs' must name columns"),
        ("data.label_column", "text", r"'data.label_column' \('text'\) is also an input"),
        ("data.train_split", KeyError, r"missing key 'data.train_split'"),
        ("methods.prompt_null.label_words", [" Al"], r"'methods.prompt_null.label_words' must"),
        ("methods.prompt.learning_rate", KeyError, r"missing key 'methods.prompt.learning_rate'"),
        ("methods.prompt.learning_rate", "fast", r"'methods.prompt.learning_rate' must be a num"),
        ("methods.prompt_lora.rank", 0, r"'methods.prompt_lora.rank' must be an integer >= 1"),
        ("methods.prompt.rank", 8, r"'methods.prompt' has unknown key\(s\) \['rank'\]"),
        ("methods.bogus", {"learning_rate": 1e-3}, r"'methods' has unknown method\(s\)"),
        (
            "methods.head_full.learning_rate",
            {"backbone": 2e-5, "heads": 1e-3},
            r"'methods.head_full.learning_rate' takes only 'backbone' and 'head'",
        ),
        (
            "methods.head_full.learning_rate",
            {"backbone": 2e-5},
            r"missing key 'methods.head_full.learning_rate.head'",
        ),
        (
            "methods.prompt.learning_rate",
            {"backbone": 2e-5, "head": 1e-3},
            r"'methods.prompt.learning_rate' must be a number",
        ),
        ("methods.icl_few.shots", 0, r"'methods.icl_few.shots' must be an integer >= 1"),
        ("train.early_stopping.patience", 0, r"'train.early_stopping.patience' must be an int"),
        ("train.max_steps", 0, r"'train.max_steps' must be an integer >= 1"),
        ("train.length_buckets", [0, 64], r"'train.length_buckets' must hold integers >= 1"),
        ("train.precision", "fp16", r"'train.precision' must be one of"),
        ("sample.test_size", 0, r"'sample.test_size' must be an integer >= 1"),
        ("data.checks.test_overlap", "ignore", r"'data.checks.test_overlap' must be one of"),
        ("eval.verbalisers", ["exact", "bleu"], r"'eval.verbalisers' has unknown value"),
        ("report.baseline", "prompt", r"'report.baseline' must be one of"),
        ("report.main_pattern", "nope", r"'report.main_pattern' \('nope'\) is not run"),
        ("model", KeyError, r"missing key 'model'"),
    ],
)
def test_bad_params_name_the_key(key, value, message):
    with pytest.raises(ParamsError, match=message):
        parse_params(with_change(key, value))


def test_errors_name_the_file_and_the_line_of_the_key(tmp_path):
    text = PARAMS.read_text().replace("  batch_size: 8\n", "  batch_size: 0\n")
    path = tmp_path / "params.yaml"
    path.write_text(text)
    line = text.splitlines().index("  batch_size: 0") + 1
    with pytest.raises(ParamsError, match=rf"^{path}:{line}: 'train.batch_size' must be an int"):
        load_params(path)


def test_numbers_are_read_as_yaml_1_2_as_dvc_writes_them(tmp_path):
    # `dvc exp run -S methods.prompt.learning_rate=1e-5` writes 1e-05 (no dot): a float.
    text = PARAMS.read_text()
    path = tmp_path / "params.yaml"
    path.write_text(
        text.replace(
            "    learning_rate: 2.0e-5\n    generate", "    learning_rate: 1e-05\n    generate", 1
        )
    )
    assert load_params(path).methods["prompt"].learning_rates[0].lm == 1e-5
    assert load_yaml("a: 2E3\nb: '1e-5'\nc: 10\n")[0] == {"a": 2000.0, "b": "1e-5", "c": 10}


def test_baseline_not_in_the_grid_is_refused():
    raw = with_change("grid.head.methods", ["head_frozen"])
    with pytest.raises(ParamsError, match=r"'report.baseline' \('head_full'\) is not run"):
        parse_params(raw)
    raw["report"]["baseline"] = "head_frozen"
    assert parse_params(raw).report.baseline == "head_frozen"


def test_missing_params_file_is_named(tmp_path):
    with pytest.raises(ParamsError, match="params file not found"):
        load_params(tmp_path / "nope.yaml")


def test_sizes_are_sorted_and_a_family_may_be_empty():
    raw = with_change("grid.head.sizes", [100, 10])
    raw["grid"]["icl_few"]["patterns"] = []
    p = parse_params(raw)
    assert p.grid.head.sizes == (10, 100)
    assert not [r for r in p.grid.runs() if r.method == "icl_few"]


def test_grid_runs_follow_each_family_axes():
    p = load_params(PARAMS)
    runs = p.grid.runs()
    assert len(runs) == 2 * 5 * 3 + 2 * 3 * 5 * 3 + 3 + 3 * 3 * 3
    names = {r.name for r in runs}
    assert "head_full-10-0" in names and "prompt_null-question-10-0" in names
    assert "icl_zero-instruct" in names and "icl_few-category-1000-2" in names
    assert len(names) == len(runs)


def test_the_control_uses_its_own_words_with_the_pattern_template():
    from promptworth.config.methods import Run

    p = load_params(PARAMS)
    null = p.pattern_for(Run("prompt_null", "instruct", 10, 0))
    assert null.label_words == p.methods["prompt_null"].label_words
    assert null.template == p.format.patterns["instruct"].template
    assert p.pattern_for(Run("prompt", "question", 10, 0)) == p.format.patterns["question"]


def test_head_full_takes_separate_backbone_and_head_rates_or_one_for_both():
    from promptworth.config.schema import LearningRate

    rates = {"backbone": 3e-5, "head": 2e-3}
    p = parse_params(with_change("methods.head_full.learning_rate", rates))
    assert p.methods["head_full"].learning_rates == (LearningRate(3e-5, 2e-3),)
    p = parse_params(with_change("methods.head_full.learning_rate", 4e-5))
    assert p.methods["head_full"].learning_rates == (LearningRate(4e-5, 4e-5),)


def test_a_list_of_learning_rates_gives_one_candidate_each():
    from promptworth.config.schema import LearningRate

    p = parse_params(with_change("methods.prompt.learning_rate", [1e-5, 2e-5]))
    assert p.methods["prompt"].learning_rates == (LearningRate(1e-5), LearningRate(2e-5))
    rates = {"backbone": 2e-5, "head": [1e-4, 1e-3]}  # every combination
    p = parse_params(with_change("methods.head_full.learning_rate", rates))
    assert [r.head for r in p.methods["head_full"].learning_rates] == [1e-4, 1e-3]
    with pytest.raises(ParamsError, match=r"'methods.prompt.learning_rate' must hold numbers"):
        parse_params(with_change("methods.prompt.learning_rate", [1e-5, "fast"]))


def test_a_pair_task_needs_a_slot_per_input_and_may_take_its_classes_from_the_data():
    raw = with_change("data.inputs", ["premise", "hypothesis"])
    raw["data"]["label_names"] = None
    message = r"has the slot \{text\}, but data.inputs \['premise', 'hypothesis'\] has no column"
    with pytest.raises(ParamsError, match=message):
        parse_params(raw)  # the AG News patterns have {text}, not the pair's slots
    pair = {"template": "{premise} Question: {hypothesis}? Answer:", "label_words": [" no", " yes"]}
    raw["format"]["patterns"] = {"yesno": pair}
    for family in ("prompt", "icl_zero", "icl_few"):
        raw["grid"][family]["patterns"] = ["yesno"]
    raw["report"]["main_pattern"] = "yesno"
    raw["methods"]["prompt_null"]["label_words"] = [" Alice", " Bob"]
    p = parse_params(raw)
    assert p.data.label_names is None and p.format.patterns["yesno"].slots == {
        "premise",
        "hypothesis",
    }


def test_label_words_are_checked_against_the_classes_once_they_are_known():
    from promptworth.config.params import check_label_words

    p = load_params(PARAMS)
    check_label_words(p, 4)
    with pytest.raises(
        ParamsError, match=r"'format.patterns.instruct.label_words' has 4 words, but the task has 2"
    ):
        check_label_words(p, 2)
