"""What a user who gets something wrong sees: one line naming the key, file or cause, before any
work starts; nothing left behind. (The damaged-checkpoint case runs end to end in
test_pipeline_e2e.py.)"""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from promptworth.analysis.plan import check_dev_split
from promptworth.config.params import parse_params
from promptworth.config.schema import DataChecks
from promptworth.core.checkpoints import verify_checkpoint, write_checksums
from promptworth.core.errors import (
    CheckpointError,
    DataError,
    ModelError,
    ParamsError,
    SamplingError,
)
from promptworth.data.checks import check_data
from promptworth.data.context import check_fits_context, model_context
from promptworth.data.readers import read_local_table
from promptworth.data.runs import RunData
from promptworth.data.sources import load_split
from promptworth.lm.modeling import load_source_model

ROOT = Path(__file__).parents[1]
DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())
NAMES = ("World", "Sports", "Business", "Sci/Tech")


def parsed(**changes):
    """The default params with dotted keys set (None deletes nothing: it sets null)."""
    raw = copy.deepcopy(DEFAULTS)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = raw
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return parse_params(raw)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"train__epoch": 3}, r"unknown key 'train.epoch'; did you mean 'train.epochs'\?"),
        ({"trian__epochs": 3}, r"unknown key 'trian'; did you mean 'train'\?"),
        ({"data__test_sorce": "t.csv"}, r"unknown key 'data.test_sorce'; did you mean "
                                        r"'data.test_source'\?"),
        ({"eval__bertscore__layers": 2}, r"unknown key 'eval.bertscore.layers'"),
        ({"format__max_input_tokens": 1}, r"'format.max_input_tokens' must be an integer >= 8"),
    ],
)  # fmt: skip
def test_misspelt_keys_and_useless_values_are_refused_by_name(changes, message):
    with pytest.raises(ParamsError, match=message):
        parsed(**changes)


def test_an_empty_grid_is_refused_before_any_stage():
    empty = {f"grid__{f}__{axis}": [] for f, axes in DEFAULTS["grid"].items() for axis in axes}
    with pytest.raises(ParamsError, match=r"'grid' asks for no run: every family"):
        parsed(**empty)


def test_dev_rows_required_by_a_setting_but_none_given_are_refused():
    with pytest.raises(ParamsError, match=r"'sample.dev_size' is 0, but train.early_stopping"):
        parsed(sample__dev_size=0, train__early_stopping__patience=3)
    with pytest.raises(ParamsError, match=r"is 0, but methods.prompt.learning_rate chooses"):
        parsed(
            sample__dev_size=0,
            train__early_stopping__patience=None,
            methods__prompt__learning_rate=[1e-5, 2e-5],
        )
    ok = parsed(sample__dev_size=0, train__early_stopping__patience=None)
    assert ok.sample.dev_size == 0  # fixed steps and one rate need no dev row


def test_training_without_dev_rows_works(tiny_model_dir, tiny_tokenizer):
    from promptworth.methods.prompt import train_prompt, whole_lm
    from tests.test_models import ADAPTERS, WORDS, context, run_data

    data = run_data(tiny_tokenizer, n_train=16, n_dev=8)
    no_dev = RunData(data.train, data.dev.iloc[:0])
    ctx = context(tiny_model_dir, tiny_tokenizer, 3, 1e-3)
    _, result = train_prompt(whole_lm, no_dev, WORDS, ADAPTERS, ctx)
    assert result.steps_run == 3 and "dev_accuracy" not in result.history[-1]


def test_the_test_file_equal_to_the_training_file_is_refused(tmp_path):
    csv = tmp_path / "train.csv"
    csv.write_text("text,label\na,0\n")
    with pytest.raises(ParamsError, match=r"'data.test_source' .* is the same file as data.source"):
        parsed(data__source=str(csv), data__test_source=str(tmp_path / "." / "train.csv"))


def test_when_every_training_row_is_a_test_row_the_cause_is_named():
    rows = pd.DataFrame({"text": ["a b", "c d", "e f", "g h"], "label": [0, 1, 2, 3]})
    from promptworth.data.readers import Table

    table = Table(rows, "train.csv", list(range(2, 6)))
    checks = DataChecks(missing_class="refuse", test_overlap="drop", train_duplicates="drop")
    with pytest.raises(DataError) as err:
        check_data(rows, table, rows, Table(rows, "test.csv", list(range(2, 6))), NAMES, checks)
    text = str(err.value)
    assert "every training row was dropped by the data checks: 4 repeat a test text" in text
    assert "data.test_source the training file again" in text and "missing_class" not in text


def test_a_dev_split_larger_than_the_pool_blames_dev_size():
    with pytest.raises(SamplingError, match=r"^sample.dev_size: 1,000 dev rows leave no training "
                                            r"pool: the training split has 240 rows"):  # fmt: skip
        check_dev_split(1000, 240)
    check_dev_split(100, 240)


def test_a_csv_with_a_field_longer_than_csvs_default_limit_is_read(tmp_path):
    long_text = "word " * 400_000  # 2 MB in one field (csv's default limit is 128 KiB)
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": [long_text, "short"], "label": [0, 1]}).to_csv(path, index=False)
    df = load_split(str(path), "train", NAMES)
    assert len(df["text"][0]) == len(long_text.strip()) or len(df["text"][0]) == len(long_text)


def test_a_folder_that_is_not_a_saved_dataset_is_called_a_folder(tmp_path):
    with pytest.raises(
        DataError, match=r"is a folder but neither one written by datasets' save_to_disk"
    ):
        read_local_table(tmp_path)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nowhere", r"^model.name: no such model folder: "),
        (lambda p: (p / "weights.bin").write_bytes(b"x") and p / "weights.bin",
         r"^model.name: .*weights.bin is a file, not a model: give the folder"),
        (lambda p: p, r"^model.name: .* has no config.json: not a Hugging Face model folder"),
        (lambda p: p / "m.gguf", r"^model.name: GGUF file not found"),
        (lambda p: "pkg://no_such_package_here/m.gguf", r"^model.name: .*not installed"),
    ],
)  # fmt: skip
def test_a_model_that_cannot_be_loaded_is_one_line_naming_model_name(tmp_path, make, message):
    with pytest.raises(ModelError, match=message) as err:
        load_source_model(str(make(tmp_path)))
    assert "\n" not in str(err.value)


def test_an_unreachable_hub_model_is_one_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match=r"^model.name: 'no-such-org/no-such-model' could not be "
                                         r"loaded from the Hugging Face hub"):  # fmt: skip
        load_source_model("no-such-org/no-such-model")


def test_inputs_longer_than_the_models_context_are_refused_with_the_largest_that_fits(
    tiny_model_dir, tiny_tokenizer
):
    context = model_context(tiny_model_dir)
    assert context == 128
    too_long = parsed(format__max_input_tokens=500)
    message = r"'format.max_input_tokens' \(500\) with .* more than the model's context \(128"
    with pytest.raises(ParamsError, match=message) as err:
        check_fits_context(too_long, tiny_tokenizer, context)
    fits = int(str(err.value).rsplit("at most ", 1)[1])
    check_fits_context(parsed(format__max_input_tokens=fits), tiny_tokenizer, context)
    with pytest.raises(ParamsError):
        check_fits_context(parsed(format__max_input_tokens=fits + 1), tiny_tokenizer, context)


def test_a_damaged_or_missing_checkpoint_file_is_named_with_the_command_that_restores_it(tmp_path):
    run_dir = tmp_path / "data/runs/prompt-instruct-10-0"
    (run_dir / "lm").mkdir(parents=True)
    weights = run_dir / "lm" / "model.safetensors"
    weights.write_bytes(b"w" * 5000)
    (run_dir / "train.json").write_text("{}")
    write_checksums(run_dir)
    verify_checkpoint(run_dir, "run_prompt@prompt-instruct-10-0")  # intact: passes
    os.truncate(weights, 1000)
    with pytest.raises(CheckpointError) as err:
        verify_checkpoint(run_dir, "run_prompt@prompt-instruct-10-0")
    text = str(err.value)
    assert "model.safetensors: damaged (1,000 bytes, 5,000 when saved" in text
    assert f"dvc checkout --force {run_dir}" in text
    assert "dvc repro -f run_prompt@prompt-instruct-10-0" in text
    weights.write_bytes(b"x" * 5000)  # same size, other bytes: the checksum catches it
    with pytest.raises(CheckpointError, match="its checksum differs"):
        verify_checkpoint(run_dir, "run_prompt@prompt-instruct-10-0")
    weights.unlink()
    with pytest.raises(CheckpointError, match="missing from the checkpoint"):
        verify_checkpoint(run_dir, "run_prompt@prompt-instruct-10-0")


def stage_raising(tmp_path, error: str, imports: str = "") -> subprocess.CompletedProcess:
    """A stage script whose main() raises `error` (Python source), run as DVC runs a stage."""
    script = tmp_path / "stage.py"
    script.write_text(
        f"{imports}from promptworth.core.cli import run_stage\n"
        f"def main():\n    raise {error}\nrun_stage(main)\n"
    )
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True)


def test_ctrl_c_in_a_stage_is_one_line_and_exit_130(tmp_path):
    done = stage_raising(tmp_path, "KeyboardInterrupt")
    assert done.returncode == 130
    assert done.stderr.strip().splitlines() == [
        "interrupted: this stage wrote nothing (its outputs appear only when complete); "
        "`dvc repro` starts it again"
    ]


def test_the_cache_never_links_outputs_into_the_workspace():
    config = (ROOT / ".dvc" / "config").read_text()
    link_types = next(line for line in config.splitlines() if "type =" in line)
    assert link_types.split("=")[1].strip() == "reflink,copy"  # no hardlink, no symlink
