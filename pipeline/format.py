"""Stage `format`: model inputs for every row a run will use (training subsets, dev, test subset).

Writes data/formatted/{train,test}.parquet with columns row, article (truncated), prompt, target,
label; `row` is the position in data/raw.
"""

import pandas as pd

from promptworth.io import atomic_path, read_json
from promptworth.modeling import load_tokenizer
from promptworth.params import load_params
from promptworth.paths import FORMATTED, MODEL, RAW, SPLITS
from promptworth.prompts import format_rows


def main() -> None:
    params = load_params()
    f = params.format
    splits = read_json(SPLITS)
    tokenizer = load_tokenizer(MODEL)
    needed = {
        "train": sorted(set(splits["dev"]).union(*map(set, splits["orders"].values()))),
        "test": splits["test"],
    }
    for name, rows in needed.items():
        raw = pd.read_parquet(RAW / f"{name}.parquet").iloc[rows]
        table = format_rows(
            raw["text"].tolist(),
            raw["label"].tolist(),
            tokenizer,
            f.template,
            f.label_words,
            f.max_article_tokens,
        )
        table.insert(0, "row", rows)
        with atomic_path(FORMATTED / f"{name}.parquet") as tmp:
            table.to_parquet(tmp, index=False)
        print(f"{name}: formatted {len(table)} rows")


if __name__ == "__main__":
    main()
