"""Stage `sample`: the dev split, one nested permutation of the pool per seed, the test subset.

Writes data/splits.json: row positions into data/raw/{train,test}.parquet.
"""

import pandas as pd

from promptworth.io import write_json
from promptworth.params import load_params
from promptworth.paths import RAW, SPLITS
from promptworth.sampling import make_splits


def main() -> None:
    params = load_params()
    s = params.sample
    train = pd.read_parquet(RAW / "train.parquet", columns=["label"])
    test = pd.read_parquet(RAW / "test.parquet", columns=["label"])
    splits = make_splits(
        train["label"].to_numpy(),
        test["label"].to_numpy(),
        sizes=s.sizes,
        seeds=s.seeds,
        stratify=s.stratify,
        dev_size=s.dev_size,
        split_seed=s.split_seed,
        test_size=params.eval.test_size,
    )
    write_json(SPLITS, splits)
    print(
        f"dev {len(splits['dev'])} rows, test {len(splits['test'])} rows, "
        f"subsets up to {max(s.sizes)} rows for seeds {list(s.seeds)}"
    )


if __name__ == "__main__":
    main()
