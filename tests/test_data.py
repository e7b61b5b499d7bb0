import pandas as pd
import pytest

from promptworth.config.schema import DataChecks
from promptworth.core.errors import DataError
from promptworth.data.checks import check_data, class_balance, found_in, repeats_earlier
from promptworth.data.readers import AG_NEWS
from promptworth.data.sources import load_split, load_table
from promptworth.data.validate import validate_table

NAMES = ("World", "Sports", "Business", "Sci/Tech")
DROP = DataChecks(missing_class="refuse", test_overlap="drop", train_duplicates="drop")


def write_csv(path, rows):
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(path, index=False)
    return str(path)


def test_reads_text_label_csv(tmp_path):
    path = write_csv(tmp_path / "t.csv", [("a b", 0), ("c", 3)])
    df = load_split(path, "train", NAMES)
    assert df["text"].tolist() == ["a b", "c"] and df["label"].tolist() == [0, 3]


def test_reads_original_three_column_ag_news_csv(tmp_path):
    path = tmp_path / "orig.csv"
    path.write_text('"3","Fears for pension","Unions are disappointed."\n"1","Title","Body"\n')
    df = load_split(str(path), "test", NAMES)
    assert df["text"].tolist() == ["Fears for pension Unions are disappointed.", "Title Body"]
    assert df["label"].tolist() == [2, 0]  # classes 1..4 become 0..3


def test_three_columns_with_a_header_but_no_label_are_not_taken_for_ag_news(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("sentence,category,id\nhello,1,7\n")
    with pytest.raises(DataError, match=r"t.csv:1: expected a header row with the columns"):
        load_split(str(path), "train", NAMES)


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".json"])
def test_reads_parquet_jsonl_and_json(tmp_path, suffix):
    df = pd.DataFrame({"text": ["x", "y"], "label": [1, 2]})
    path = tmp_path / f"t{suffix}"
    if suffix == ".parquet":
        df.to_parquet(path)
    else:
        df.to_json(path, orient="records", lines=suffix == ".jsonl")
    assert load_split(str(path), "train", NAMES)["label"].tolist() == [1, 2]


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="data file not found: .*nope.csv"):
        load_split(str(tmp_path / "nope.csv"), "train", NAMES)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"sentence": ["x"], "label": [0]}).to_parquet(path)
    with pytest.raises(DataError, match=r"data.inputs: column\(s\) \['text'\] not in .*t.parquet"):
        load_split(str(path), "train", NAMES)


def test_bad_rows_are_named_by_their_1_based_line_in_the_file(tmp_path):
    path = write_csv(tmp_path / "t.csv", [("x", 0), ("y", 4), ("z", 1), ("w", 9)])
    # header on line 1: the rows with labels 4 and 9 are on lines 3 and 5
    with pytest.raises(
        DataError, match=r"t.csv:3: label 4 is outside the 4 classes .* \(1 more: lines 5\)"
    ):
        load_split(path, "train", NAMES)


def test_line_numbers_count_multi_line_fields(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('text,label\n"two\nlines",0\n"  ",1\n')
    with pytest.raises(DataError, match=r"t.csv:4: empty text"):
        load_split(str(path), "train", NAMES)


def test_a_non_utf8_byte_is_named_by_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"text,label\nok,0\nbad \xff byte,1\n")
    with pytest.raises(DataError, match=r"t.csv:3: not valid UTF-8 \(byte 0xff at column 5\)"):
        load_split(str(path), "train", NAMES)


def test_a_malformed_jsonl_line_is_named_by_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "a", "label": 0}\n{"text": "b", "label": \n')
    with pytest.raises(DataError, match=r"t.jsonl:2: not valid JSON"):
        load_split(str(path), "train", NAMES)


def test_a_row_with_too_many_fields_is_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label\na,0\nb,1,extra\n")
    with pytest.raises(DataError, match=r"t.csv:3: has 3 fields, the header has 2"):
        load_split(str(path), "train", NAMES)


def test_empty_text_is_named(tmp_path):
    path = write_csv(tmp_path / "t.csv", [("x", 0), ("  ", 1)])
    with pytest.raises(DataError, match=r"t.csv:3: empty text"):
        load_split(path, "train", NAMES)


def test_unsupported_suffix_is_named(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match="unsupported file type '.xlsx'"):
        load_split(str(path), "train", NAMES)


def tables(tmp_path, train_rows, test_rows):
    train = load_table(write_csv(tmp_path / "train.csv", train_rows), None, "train", AG_NEWS, "")
    test = load_table(write_csv(tmp_path / "test.csv", test_rows), None, "test", AG_NEWS, "")
    return validate_table(train, NAMES), train, validate_table(test, NAMES), test


BALANCED = [("world a", 0), ("sport b", 1), ("money c", 2), ("tech d", 3)]


def test_a_class_missing_from_training_is_refused_by_name(tmp_path):
    args = tables(tmp_path, BALANCED[:3], [("q", 0)])
    with pytest.raises(DataError, match=r"class 'Sci/Tech' \(label 3\) has no training rows"):
        check_data(*args, NAMES, DROP)
    allow = DataChecks("allow", "drop", "drop")
    kept, report = check_data(*args, NAMES, allow)
    assert len(kept) == 3 and any("missing_class is allow" in line for line in report.lines)


def test_test_rows_copied_into_training_are_dropped_with_a_count(tmp_path):
    train = BALANCED + [("Oil hits $50!", 2), ("leak", 1)]
    args = tables(tmp_path, train, [("oil hits 50", 2), ("leak", 1), ("other", 0)])
    kept, report = check_data(*args, NAMES, DROP)
    assert kept["text"].tolist() == [t for t, _ in BALANCED]
    text = "\n".join(report.lines)
    assert "2 training rows repeat a test text once normalised (1 of them verbatim)" in text
    assert "dropped 2 training rows: text is in the test split (first: " in text
    assert "train.csv:6" in text  # the first copy's line


def test_test_overlap_can_be_refused_or_kept(tmp_path):
    args = tables(tmp_path, BALANCED + [("leak", 1)], [("leak", 1)])
    with pytest.raises(DataError, match=r"train.csv:6: text is in the test split; 1 such rows"):
        check_data(*args, NAMES, DataChecks("refuse", "refuse", "drop"))
    kept, _ = check_data(*args, NAMES, DataChecks("refuse", "keep", "drop"))
    assert len(kept) == 5


def test_duplicated_training_rows_keep_the_first(tmp_path):
    args = tables(tmp_path, BALANCED + [("World A.", 0)], [("q", 0)])
    kept, report = check_data(*args, NAMES, DROP)
    assert len(kept) == 4
    assert "dropped 1 training rows: repeats an earlier training text" in report.lines[0]


def test_class_balance_is_printed():
    assert (
        class_balance([0, 0, 1, 3], ["a", "b", "c", "d"])
        == "a 2 (50%), b 1 (25%), c 0 (0%), d 1 (25%)"
    )


def test_repeat_and_overlap_masks():
    assert repeats_earlier(["a", "b", "a"]).tolist() == [False, False, True]
    assert found_in(["a", "b"], ["b", "c"]).tolist() == [False, True]
