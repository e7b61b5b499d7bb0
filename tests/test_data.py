import pandas as pd
import pytest

from promptworth.data import DataError, load_split

NAMES = ("World", "Sports", "Business", "Sci/Tech")


def test_reads_text_label_csv(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["a b", "c"], "label": [0, 3]}).to_csv(path, index=False)
    df = load_split(str(path), "train", NAMES)
    assert df["text"].tolist() == ["a b", "c"] and df["label"].tolist() == [0, 3]


def test_reads_original_three_column_ag_news_csv(tmp_path):
    path = tmp_path / "orig.csv"
    path.write_text('"3","Fears for pension","Unions are disappointed."\n"1","Title","Body"\n')
    df = load_split(str(path), "test", NAMES)
    assert df["text"].tolist() == ["Fears for pension Unions are disappointed.", "Title Body"]
    assert df["label"].tolist() == [2, 0]  # classes 1..4 become 0..3


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_reads_parquet_and_jsonl(tmp_path, suffix):
    df = pd.DataFrame({"text": ["x", "y"], "label": [1, 2]})
    path = tmp_path / f"t{suffix}"
    df.to_parquet(path) if suffix == ".parquet" else df.to_json(path, orient="records", lines=True)
    assert load_split(str(path), "train", NAMES)["label"].tolist() == [1, 2]


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="data file not found: .*nope.csv"):
        load_split(str(tmp_path / "nope.csv"), "train", NAMES)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"sentence": ["x"], "label": [0]}).to_parquet(path)
    with pytest.raises(DataError, match=r"t.parquet: missing column\(s\) \['text'\]"):
        load_split(str(path), "train", NAMES)


def test_label_out_of_range_is_named(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["x", "y"], "label": [0, 4]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"label outside \[0, 3\] at rows \[1\]"):
        load_split(str(path), "train", NAMES)


def test_empty_text_is_named(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"text": ["x", "  "], "label": [0, 1]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"empty text at rows \[1\]"):
        load_split(str(path), "train", NAMES)


def test_unsupported_suffix_is_named(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match="unsupported file type '.xlsx'"):
        load_split(str(path), "train", NAMES)
