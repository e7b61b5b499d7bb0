"""The GPU path: bf16 autocast, fused AdamW, pinned-memory copies, growing eval batches.

Skipped without CUDA (CI has none); run on a GPU machine with `pytest -m cuda`.
"""

import pytest
import torch

from promptworth.lm.modeling import RuntimeOptions, load_causal_lm, pick_device
from promptworth.methods.losses import lm_target_loss
from promptworth.methods.training import TrainSettings, train_loop
from promptworth.readout.inference import grow_batch_size, rank_classify

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def test_cuda_is_picked_with_bf16_where_supported():
    device, dtype = pick_device()
    assert device.type == "cuda"
    assert (dtype is torch.bfloat16) == torch.cuda.is_bf16_supported()


def test_bf16_rank_scores_match_fp32(tiny_model_dir):
    device, dtype = pick_device()
    model = load_causal_lm(tiny_model_dir).to(device)
    prompts, labels = [[5, 6, 7, 8], [9, 10]], [[11], [12, 13]]
    fp32 = rank_classify(model, prompts, labels, 0, 2, device, None, progress=False)
    bf16 = rank_classify(model, prompts, labels, 0, 2, device, dtype, progress=False)
    assert abs(fp32 - bf16).max() < 0.1


def test_training_on_cuda_uses_fused_adamw_and_lowers_the_loss(tiny_model_dir, optimizer_spy):
    device, dtype = pick_device()
    model = load_causal_lm(tiny_model_dir).to(device)
    prompts, targets = [[5, 6, 7]] * 8, [[11]] * 8
    loss = lm_target_loss(prompts, targets, 0, device, lambda: torch.autocast("cuda", dtype))
    history = train_loop(
        model, loss, 8, TrainSettings(30, 8, 1e-2, 0.0, 0.0), 0, progress=False
    ).history
    assert optimizer_spy["fused"] is True
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 2


def test_eval_batch_grows_on_cuda():
    device = torch.device("cuda")
    assert grow_batch_size(lambda bs: torch.zeros(bs, 16, device=device), 8, device, 64) == 64


def test_compiled_forward_gives_the_same_logits(tiny_model_dir):
    from promptworth.lm.modeling import prepare_for_training

    device = torch.device("cuda")
    ids = torch.tensor([[5, 6, 7, 8]], device=device)
    plain = load_causal_lm(tiny_model_dir).to(device).eval()
    compiled = prepare_for_training(
        load_causal_lm(tiny_model_dir).to(device).eval(), RuntimeOptions(compile=True)
    )
    with torch.no_grad():
        torch.testing.assert_close(plain(ids).logits, compiled(ids).logits, rtol=1e-4, atol=1e-4)
