"""Stage `format`: every row's inputs cut to format.max_input_tokens tokens together.

Writes data/formatted/{train,test}.parquet with columns row, the input columns, label and
head_input (the inputs joined as the head methods read them); `row` is the position in data/raw.
The longest input is cut first, never the instruction or the target. Every row is formatted,
whatever the sizes and seeds, so growing the grid never changes this stage's output. Patterns
are applied when a run reads its rows (promptworth.data.prompts.apply_pattern), so editing one
re-runs only the runs of that pattern.
"""

import pandas as pd

from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.io import atomic_path
from promptworth.core.paths import FORMATTED, MODEL, RAW
from promptworth.data.context import check_fits_context, model_context
from promptworth.data.prompts import truncate_inputs
from promptworth.lm.modeling import load_tokenizer


def main() -> None:
    params = load_params()
    tokenizer = load_tokenizer(MODEL)
    check_fits_context(params, tokenizer, model_context(MODEL))
    with atomic_path(FORMATTED) as tmp:
        tmp.mkdir()
        for name in ("train", "test"):
            raw = pd.read_parquet(RAW / f"{name}.parquet")
            table = truncate_inputs(
                raw, params.data.inputs, tokenizer, params.format.max_input_tokens
            )
            table.insert(0, "row", range(len(raw)))
            table.to_parquet(tmp / f"{name}.parquet", index=False)
            print(f"{name}: formatted {len(table)} rows")


if __name__ == "__main__":
    run_stage(main)
