"""Stage `download`: load the train and test splits (hub or local files), validate, save.

Writes data/raw/{train,test}.parquet (text, label) and data/raw/labels.json.
"""

from promptworth.data import DataError, is_local_source, load_split
from promptworth.io import atomic_path, write_json
from promptworth.params import load_params
from promptworth.paths import RAW


def main() -> None:
    params = load_params()
    data = params.data
    test_source = data.test_source or data.source
    if is_local_source(data.source) and data.test_source is None:
        raise DataError("data.test_source: must name a test file when data.source is a local file")
    train = load_split(data.source, "train", data.label_names)
    test = load_split(test_source, "test", data.label_names)
    for name, table in (("train", train), ("test", test)):
        with atomic_path(RAW / f"{name}.parquet") as tmp:
            table.to_parquet(tmp, index=False)
        counts = table["label"].value_counts().sort_index().to_dict()
        print(f"{name}: {len(table)} rows, per class {counts}")
    write_json(RAW / "labels.json", list(data.label_names))


if __name__ == "__main__":
    main()
