"""Stage `features`: the frozen LM's last non-pad hidden state of every dev and test row, once.

head_frozen trains only a linear head, so the LM's output on a row never changes: its dev and
test features are computed here once for every head_frozen run (each run adds only its own
training rows). They do not depend on the grid's sizes or seeds, so growing the grid never
re-runs this stage.
"""

import pandas as pd
from safetensors.torch import save_file

from promptworth.config.params import load_params
from promptworth.core.cli import run_stage
from promptworth.core.hardware import select_runtime
from promptworth.core.io import atomic_path, read_json
from promptworth.core.paths import FEATURES, FORMATTED, MODEL, SPLITS
from promptworth.lm.modeling import load_backbone, load_tokenizer
from promptworth.readout.inference import frozen_features


def main() -> None:
    params = load_params()
    runtime = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
    runtime.announce()
    device, dtype = runtime.device, runtime.dtype
    tokenizer = load_tokenizer(MODEL)
    backbone = load_backbone(MODEL).to(device)
    table = {name: pd.read_parquet(FORMATTED / f"{name}.parquet") for name in ("train", "test")}
    with atomic_path(FEATURES) as tmp:
        tmp.mkdir()
        for split, source in (("dev", "train"), ("test", "test")):
            texts = table[source]["head_input"].iloc[read_json(SPLITS / f"{split}.json")]
            ids = tokenizer(texts.tolist(), add_special_tokens=False)["input_ids"]
            feats = frozen_features(
                backbone, ids, tokenizer.pad_token_id, params.eval.batch_size, device, dtype
            )
            save_file({"features": feats.contiguous()}, tmp / f"{split}.safetensors")
            print(f"{split}: {tuple(feats.shape)} features")


if __name__ == "__main__":
    run_stage(main)
