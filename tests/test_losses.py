"""The prompt's loss with the LM head at the target-predicting positions only equals the loss
with the head everywhere (the same tokens, the same sum), in value and in gradient, for the
whole LM, LoRA and prompt tuning (whose virtual tokens are prepended to the output)."""

import contextlib

import pytest
import torch

from promptworth.config.methods import Run
from promptworth.methods.losses import lm_target_loss
from promptworth.methods.registry import behaviour
from tests.test_models import ADAPTERS

CPU = torch.device("cpu")


def examples(tokenizer):
    prompts = ["goal match coach team: The topic is:", "bank profit:", "a b c d e f g h: topic"]
    targets = [" Sports", " Business money", " World"]  # one and two tokens, varied lengths

    def encode(texts):
        return tokenizer(texts, add_special_tokens=False)["input_ids"]

    return encode(prompts), encode(targets)


@pytest.mark.parametrize("method", ["prompt", "prompt_lora", "prompt_tuning"])
def test_target_positions_only_give_the_loss_and_gradient_of_every_position(
    tiny_model_dir, tiny_tokenizer, method
):
    torch.manual_seed(0)
    model = behaviour(Run(method)).trainer.build(tiny_model_dir, ADAPTERS)
    prompt_ids, target_ids = examples(tiny_tokenizer)
    pad = tiny_tokenizer.pad_token_id
    grads = []
    for every in (True, False):
        loss_fn = lm_target_loss(
            prompt_ids, target_ids, pad, CPU, contextlib.nullcontext, every_position=every
        )
        model.zero_grad()
        loss = loss_fn(model, [0, 1, 2])
        loss.backward()
        grads.append((loss.item(), [p.grad.clone() for p in model.parameters() if p.requires_grad]))
    (full, full_grads), (kept, kept_grads) = grads
    assert kept == pytest.approx(full, rel=1e-6)
    for a, b in zip(full_grads, kept_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
