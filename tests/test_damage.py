"""Issue 35's cases, each one line naming what is wrong and how to go on: damaged model files,
a disk that fills, a repeated CSV column, missing labels, an unreachable BERTScore model, no dev
rows, and the report's sentence on how the test rows were drawn."""

import shutil

import pytest
import torch

from promptworth.analysis.render import describe_test_rows
from promptworth.core.checkpoints import write_checksums
from promptworth.core.errors import CheckpointError, DataError, ModelError
from promptworth.data.prompts import encode_texts
from promptworth.data.sources import load_split
from promptworth.lm.modeling import load_backbone, load_causal_lm, load_source_model
from promptworth.readout.inference import frozen_features
from promptworth.readout.verbalise import bertscore_model_problem
from tests.test_failures import stage_raising

NAMES = ("World", "Sports", "Business", "Sci/Tech")


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    """The tiny model as the model stage leaves it: an HF folder with checksums.json."""
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    write_checksums(folder)
    return folder


def weights(folder):
    return next(folder.glob("*.safetensors"))


def test_a_truncated_model_stage_file_is_named_with_the_commands_that_restore_it(model_copy):
    with open(weights(model_copy), "r+b") as f:
        f.truncate(1000)
    for load in (load_causal_lm, load_backbone):
        with pytest.raises(CheckpointError) as err:
            load(model_copy)
        text = str(err.value)
        assert f"{weights(model_copy)}: damaged (1,000 bytes" in text and "\n" not in text
        assert f"dvc checkout --force {model_copy}" in text and "dvc repro -f model" in text


def test_a_same_size_damaged_model_file_is_found_when_it_fails_to_load(model_copy):
    path = weights(model_copy)
    path.write_bytes(b"\0" * path.stat().st_size)  # the header is gone; the size is not
    with pytest.raises(CheckpointError, match=r"its checksum differs.*dvc repro -f model"):
        load_causal_lm(model_copy)


def test_a_damaged_model_folder_without_checksums_is_still_one_line(model_copy):
    (model_copy / "checksums.json").unlink()
    with open(weights(model_copy), "r+b") as f:
        f.truncate(1000)
    with pytest.raises(ModelError, match=r"could not be loaded .*dvc checkout --force"):
        load_causal_lm(model_copy)


def test_a_truncated_source_model_under_model_name_is_called_damaged(model_copy, tmp_path):
    (model_copy / "checksums.json").unlink()
    with open(weights(model_copy), "r+b") as f:
        f.truncate(1000)
    with pytest.raises(ModelError, match=r"^model.name: .*damaged or truncated") as err:
        load_source_model(str(model_copy))
    assert "\n" not in str(err.value)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(ModelError, match=r"^model.name: .*m.gguf could not be read as a GGUF"):
        load_source_model(str(gguf))


@pytest.mark.parametrize(
    "error",
    [
        'OSError(errno.ENOSPC, "No space left on device", "data/runs/x/scores.csv")',
        'RuntimeError("Error while serializing: IoError(No space left on device (os error 28))")',
    ],
)
def test_a_full_disk_is_one_line_naming_the_file_and_what_is_free(tmp_path, error):
    done = stage_raising(tmp_path, error, imports="import errno\n")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: no space left on the device writing ")
    assert "MB free here" in line and "run `dvc repro` again" in line
    if error.startswith("OSError"):
        assert "data/runs/x/scores.csv" in line


def test_an_expected_error_says_how_to_go_back(tmp_path):
    done = stage_raising(
        tmp_path, "ParamsError('params.yaml:3: bad')",
        imports="from promptworth.core.errors import ParamsError\n",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: params.yaml:3: bad",
        "hint: to undo a params edit or a failed `dvc exp run` (it leaves its values in "
        "params.yaml), `git checkout params.yaml` then `dvc checkout`",
    ]


def test_a_csv_header_naming_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,text,label\na,b,0\n")
    with pytest.raises(
        DataError, match=r"t.csv:1: the header names \['text'\] more than once; name each once"
    ):
        load_split(str(path), "train", NAMES)


@pytest.mark.parametrize("missing", ["", "nan", "NaN"])
def test_missing_labels_in_a_numeric_column_are_named_by_line(tmp_path, missing):
    path = tmp_path / "t.csv"
    path.write_text(f"text,label\na,0\nb,{missing}\nc,1\nd,{missing}\n")
    with pytest.raises(DataError, match=r"t.csv:3: missing label .*\(1 more: lines? 5\)"):
        load_split(str(path), "train", NAMES)


def test_the_bertscore_model_is_checked_before_any_run(tiny_bert_dir, tmp_path, monkeypatch):
    assert bertscore_model_problem(str(tiny_bert_dir)) is None
    assert "no such model folder" in bertscore_model_problem(str(tmp_path / "nope"))
    assert "has no config.json" in bertscore_model_problem(str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "not in the local Hugging Face cache" in bertscore_model_problem("no-org/no-model")
    assert "not installed" in bertscore_model_problem("pkg://no_such_package_here/bert")


def test_no_dev_rows_tokenise_and_pass_the_lm_as_nothing(tiny_model_dir, tiny_tokenizer):
    assert encode_texts(tiny_tokenizer, []) == []
    features = frozen_features(
        load_backbone(tiny_model_dir), [], 0, 4, torch.device("cpu"), progress=False
    )
    assert features.shape == (0, 32)


def test_the_report_says_how_the_test_rows_were_drawn():
    drawn = describe_test_rows([0, 0, 1, 1], [0] * 59 + [1] * 41, ("neg", "pos"), drawn=True)
    assert drawn == (
        "Test rows: 4 of the test file's 100, drawn class-balanced (`sample.test_size`, as far "
        "as each class has rows); per class (neg/pos) 2/2, the file's 59/41. Always predicting "
        "the commonest class scores 0.500 on them."
    )
    whole = describe_test_rows([0] * 59 + [1] * 41, [0] * 59 + [1] * 41, ("neg", "pos"), False)
    assert whole.startswith("Test rows: the whole test file, 100 rows; per class (neg/pos) 59/41.")
    assert whole.endswith("scores 0.590 on them.")


def test_the_verbatim_overlap_counts_only_rows_kept_after_deduplication(tmp_path):
    from promptworth.data.checks import check_data
    from tests.test_data import BALANCED, DROP, tables

    args = tables(tmp_path, BALANCED + [("leak", 1), ("leak", 1)], [("leak", 1)])
    _, report = check_data(*args, NAMES, DROP)
    text = "\n".join(report.lines)
    assert "1 training rows repeat a test text once normalised (1 of them verbatim)" in text


def test_only_seeds_some_run_uses_are_ordered():
    from promptworth.config.schema import Family, GridParams

    grid = GridParams(
        head=Family(("head_full",), (), (10,), (0,)),
        prompt=Family((), ("instruct",), (10,), (5,)),  # no methods: no runs, no seed 5
        icl_zero=Family(),
        icl_few=Family((), (), (10,), (0, 1, 2)),  # no patterns: no runs
    )
    assert grid.seeds == (0,)
