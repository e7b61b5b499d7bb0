"""Stage `features`: the frozen LM's last non-pad hidden state of every dev and test row, once,
for the head methods in the grid that train on cached features (head_frozen).

Such a method trains only a linear head, so the LM's output on a row never changes: its dev and
test features are computed here once for every one of its runs (each run adds only its own
training rows). They do not depend on the grid's sizes or seeds, so growing the grid never
re-runs this stage. Each head method in grid.head.methods gets a folder, data/features/<method>/,
which its run stages depend on: the features, or for a method that reads none (head_full) a
note saying so, so adding head_frozen to the grid re-runs no head_full run, and a grid without
head_frozen costs no LM pass here.
"""

import pandas as pd
from safetensors.torch import save_file

from promptworth.config.methods import Run
from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.hardware import select_runtime
from promptworth.core.io import atomic_path, read_json, write_json
from promptworth.core.paths import FEATURES, FORMATTED, MODEL, SPLITS
from promptworth.data.prompts import encode_texts
from promptworth.lm.modeling import load_backbone, load_tokenizer
from promptworth.methods.registry import reads_cached_features
from promptworth.readout.inference import frozen_features


def compute_features(params) -> dict:
    """{"dev": tensor, "test": tensor}: the backbone's features of the dev and test rows."""
    runtime = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
    runtime.announce()
    device, dtype = runtime.device, runtime.dtype
    tokenizer = load_tokenizer(MODEL)
    backbone = load_backbone(MODEL).to(device)
    table = {name: pd.read_parquet(FORMATTED / f"{name}.parquet") for name in ("train", "test")}
    features = {}
    for split, source in (("dev", "train"), ("test", "test")):
        texts = table[source]["head_input"].iloc[read_json(SPLITS / f"{split}.json")]
        ids = encode_texts(tokenizer, texts)  # none with sample.dev_size 0
        features[split] = frozen_features(
            backbone, ids, tokenizer.pad_token_id, params.eval.batch_size, device, dtype
        ).contiguous()
        print(f"{split}: {tuple(features[split].shape)} features")
    return features


def main() -> None:
    params = load_params()
    methods = params.grid.head.methods
    readers = [m for m in methods if reads_cached_features(Run(m))]
    features = compute_features(params) if readers else {}
    if not readers:
        print("features: no method in grid.head.methods reads cached features; none computed")
    with atomic_path(FEATURES) as tmp:
        tmp.mkdir()
        write_json(tmp / "methods.json", {"computed_for": readers, "head_methods": list(methods)})
        for method in methods:
            (tmp / method).mkdir()
            if method in readers:
                for split, values in features.items():
                    save_file({"features": values}, tmp / method / f"{split}.safetensors")
            else:
                write_json(tmp / method / "none.json", {"method": method, "features": None})


if __name__ == "__main__":
    run_stage(main)
