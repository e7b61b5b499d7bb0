"""Stage `features`: the frozen LM's last non-pad hidden state of every formatted article, once.

head_frozen trains only a linear head, so the LM's output never changes: computing it once per
(model, rows) instead of every epoch makes frozen-head training nearly free. Computed whatever
train.methods holds, so experiments that split the methods share this stage (and the run-cache).
"""

import pandas as pd
from safetensors.torch import save_file

from promptworth.inference import frozen_features
from promptworth.io import atomic_path
from promptworth.modeling import HeadClassifier, load_tokenizer, pick_device
from promptworth.params import load_params
from promptworth.paths import FEATURES, FORMATTED, MODEL


def main() -> None:
    params = load_params()
    with atomic_path(FEATURES) as tmp:
        tmp.mkdir()
        device, dtype = pick_device(params.runtime.gpu)
        tokenizer = load_tokenizer(MODEL)
        backbone = HeadClassifier.from_pretrained(MODEL, 1).backbone.to(device)
        for split in ("train", "test"):
            table = pd.read_parquet(FORMATTED / f"{split}.parquet")
            ids = tokenizer(table["article"].tolist(), add_special_tokens=False)["input_ids"]
            feats = frozen_features(
                backbone, ids, tokenizer.pad_token_id, params.train.eval_batch_size, device, dtype
            )
            save_file({"features": feats.contiguous()}, tmp / f"{split}.safetensors")
            print(f"{split}: {tuple(feats.shape)} features")


if __name__ == "__main__":
    main()
