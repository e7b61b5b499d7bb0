"""Stage `download`: load the task's train and test splits (hub, local files or a save_to_disk
folder), validate and check them, save.

Writes data/raw/{train,test}.parquet (the input columns and `label`, an id in 0..classes-1) and
data/raw/classes.json (the class names, from data.label_names or the dataset's ClassLabel: what
every later stage reads). The checks (data.checks) refuse or drop what would otherwise pass
silently: a class with no training rows, training rows repeated in the test split, duplicated
training rows. It prints what they found and the class balance. A task the params describe
wrongly (a missing column, labels outside the classes, a test split without labels, label words
that do not match the classes) fails here, before any model is loaded.
"""

from promptworth.config.params import check_label_words, load_params
from promptworth.core.cli import run_stage
from promptworth.core.errors import DataError
from promptworth.core.io import atomic_path, write_json
from promptworth.core.paths import CLASSES, RAW
from promptworth.data.carve import carve_test
from promptworth.data.checks import check_data
from promptworth.data.readers import TaskColumns
from promptworth.data.sources import holds_splits, load_table, resolve_data_source
from promptworth.data.validate import resolve_class_names, validate_table


def main() -> None:
    params = load_params()
    data = params.data
    columns = TaskColumns(data.inputs, data.label_column)
    source = resolve_data_source(data.source, "data.source")
    bad_encoding = data.checks.bad_encoding
    if data.test_carve is not None:
        if holds_splits(source):
            raise DataError(
                f"data.test_carve: {data.source} holds its own test split ({data.test_split}); "
                "carving is for a source that ships none: set data.test_carve to null"
            )
        whole = load_table(
            source, data.config, data.train_split, columns, "data.train_split", bad_encoding
        )
        train_table, test_table = carve_test(whole, data.test_carve, data.label_column)
    else:
        test_source = resolve_data_source(data.test_source or data.source, "data.test_source")
        if data.test_source is None and not holds_splits(source):
            raise DataError(
                "data.test_source: must name the test rows when data.source is a single local "
                f"file or folder ({data.source}), or data.test_carve must carve them out of it; "
                "a hub id or a save_to_disk DatasetDict holds both splits"
            )
        train_table = load_table(
            source, data.config, data.train_split, columns, "data.train_split", bad_encoding
        )
        test_table = load_table(
            test_source, data.config, data.test_split, columns, "data.test_split", bad_encoding
        )
    classes = resolve_class_names(train_table, data.label_names, data.source)
    check_label_words(params, len(classes))
    train = validate_table(train_table, classes, columns, "data.train_split")
    test = validate_table(test_table, classes, columns, "data.test_split")
    train, report = check_data(
        train, train_table, test, test_table, classes, data.checks, data.inputs
    )
    with atomic_path(RAW) as tmp:
        tmp.mkdir()
        train.to_parquet(tmp / "train.parquet", index=False)
        test.to_parquet(tmp / "test.parquet", index=False)
        write_json(tmp / CLASSES.name, list(classes))
    replaced = list(dict.fromkeys(train_table.replaced + test_table.replaced))
    if replaced:
        print(
            f"replaced bytes that are not UTF-8 in {len(replaced)} place(s) (first: "
            f"{replaced[0]}; data.checks.bad_encoding is replace)"
        )
    print("\n".join(report.lines))


if __name__ == "__main__":
    run_stage(main)
