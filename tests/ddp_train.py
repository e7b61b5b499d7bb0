"""Train a head classifier for a few steps, under `accelerate launch` or alone; write the losses.

Used by test_distributed.py: python tests/ddp_train.py MODEL_DIR OUT_JSON
"""

import json
import sys

import torch

from promptworth.core.distributed import is_launched, make_accelerator
from promptworth.lm.modeling import HeadClassifier
from promptworth.methods.losses import classification_loss
from promptworth.methods.training import TrainSettings, train_loop

model_dir, out = sys.argv[1], sys.argv[2]
accelerator = make_accelerator() if is_launched() else None
torch.manual_seed(0)
model = HeadClassifier.from_pretrained(model_dir, 4)
model.backbone.config.resid_pdrop = 0.0  # no dropout: one and two processes must then agree
for module in model.modules():
    if isinstance(module, torch.nn.Dropout):
        module.p = 0.0
ids = torch.randint(5, 300, (32, 12), generator=torch.Generator().manual_seed(1))
labels = [i % 4 for i in range(32)]


def logits(module, batch):
    return module(ids[batch], torch.ones_like(ids[batch]))


loss = classification_loss(logits, labels, torch.device("cpu"))
result = train_loop(
    model, loss, 32, TrainSettings(6, 8, 1e-3, 0.0, 0.0), 0, progress=False,
    accelerator=accelerator,
)  # fmt: skip
if accelerator is None or accelerator.is_main_process:
    with open(out, "w") as fh:
        processes = accelerator.num_processes if accelerator is not None else 1
        json.dump({"processes": processes, "losses": [h["train_loss"] for h in result.history]}, fh)
