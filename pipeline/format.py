"""Stage `format`: every row a run will use (training subsets, dev, test subset), its article cut
to format.max_article_tokens tokens.

Writes data/formatted/{train,test}.parquet with columns row, article, label; `row` is the position
in data/raw. Patterns are applied when a run reads its rows (promptworth.prompts.apply_pattern),
so changing a pattern re-runs only the runs that use it, not this stage or the head runs.
"""

import pandas as pd

from promptworth.io import atomic_path, read_json
from promptworth.modeling import load_tokenizer
from promptworth.params import load_params
from promptworth.paths import FORMATTED, MODEL, RAW, SPLITS
from promptworth.prompts import truncate_rows


def main() -> None:
    params = load_params()
    splits = read_json(SPLITS)
    tokenizer = load_tokenizer(MODEL)
    needed = {
        "train": sorted(set(splits["dev"]).union(*map(set, splits["orders"].values()))),
        "test": splits["test"],
    }
    for name, rows in needed.items():
        raw = pd.read_parquet(RAW / f"{name}.parquet").iloc[rows]
        table = truncate_rows(
            raw["text"].tolist(), raw["label"].tolist(), tokenizer, params.format.max_article_tokens
        )
        table.insert(0, "row", rows)
        with atomic_path(FORMATTED / f"{name}.parquet") as tmp:
            table.to_parquet(tmp, index=False)
        print(f"{name}: formatted {len(table)} rows")


if __name__ == "__main__":
    main()
