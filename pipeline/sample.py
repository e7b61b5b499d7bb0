"""Stage `sample`: the dev split, the test subset, and one permutation of the pool per data seed.

Writes data/splits/dev.json and test.json (row positions into data/raw/{train,test}.parquet) and
order-<seed>.json for every seed any family uses: the n-point subset of a seed is the first n
rows of its order, for every n, so a run depends on its seed's file alone and adding a size or a
seed changes no file an existing run reads.
"""

import pandas as pd

from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.io import atomic_path, write_json
from promptworth.core.paths import RAW, SPLITS
from promptworth.data.sampling import make_splits


def main() -> None:
    params = load_params()
    s = params.sample
    train = pd.read_parquet(RAW / "train.parquet", columns=["label"])
    test = pd.read_parquet(RAW / "test.parquet", columns=["label"])
    splits = make_splits(
        train["label"].to_numpy(),
        test["label"].to_numpy(),
        seeds=params.grid.seeds,
        stratify=s.stratify,
        dev_size=s.dev_size,
        split_seed=s.split_seed,
        test_size=s.test_size,
    )
    with atomic_path(SPLITS) as tmp:
        tmp.mkdir()
        write_json(tmp / "dev.json", splits["dev"])
        write_json(tmp / "test.json", splits["test"])
        for seed, order in splits["orders"].items():
            write_json(tmp / f"order-{seed}.json", order)
    pool = len(train) - len(splits["dev"])
    print(
        f"dev {len(splits['dev'])} rows, test {len(splits['test'])} rows, a pool of {pool} "
        f"training rows ordered for seeds {list(splits['orders'])}"
    )


if __name__ == "__main__":
    run_stage(main)
