"""Stage `download`: load the train and test splits (hub or local files), check them, save.

Writes data/raw/{train,test}.parquet (text, label). The checks (data.checks) refuse or drop what
would otherwise pass silently: a class with no training rows, training rows repeated in the test
split, duplicated training rows. It prints what they found and the class balance.
"""

from promptworth.checks import check_data
from promptworth.cli import run_stage
from promptworth.data import is_local_source, load_table, validate_table
from promptworth.errors import DataError
from promptworth.io import atomic_path
from promptworth.params import load_params
from promptworth.paths import RAW


def main() -> None:
    data = load_params().data
    if is_local_source(data.source) and data.test_source is None:
        raise DataError("data.test_source: must name a test file when data.source is a local file")
    num_labels = len(data.label_names)
    train_table = load_table(data.source, "train", data.label_names)
    test_table = load_table(data.test_source or data.source, "test", data.label_names)
    train, test = validate_table(train_table, num_labels), validate_table(test_table, num_labels)
    train, report = check_data(train, train_table, test, test_table, data.label_names, data.checks)
    for name, table in (("train", train), ("test", test)):
        with atomic_path(RAW / f"{name}.parquet") as tmp:
            table.to_parquet(tmp, index=False)
    print("\n".join(report.lines))


if __name__ == "__main__":
    run_stage(main)
