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


def test_length_buckets_pad_to_a_few_shapes_and_leave_the_loss_alone(
    tiny_model_dir, tiny_tokenizer
):
    from promptworth.methods.losses import bucket_length

    assert bucket_length(10, (16, 32)) == 16 and bucket_length(17, (32, 16)) == 32
    assert bucket_length(40, (16, 32)) is None and bucket_length(5, None) is None
    model = behaviour(Run("prompt")).trainer.build(tiny_model_dir, ADAPTERS)
    prompt_ids, target_ids = examples(tiny_tokenizer)
    pad = tiny_tokenizer.pad_token_id
    losses = [
        lm_target_loss(
            prompt_ids, target_ids, pad, CPU, contextlib.nullcontext, length_buckets=buckets
        )(model, [0, 1, 2]).item()
        for buckets in (None, (16, 64))
    ]
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)


def test_bf16_weights_are_an_option_for_cuda_and_refused_on_a_cpu(tiny_model_dir, tmp_path):
    import copy
    from pathlib import Path

    import yaml

    from promptworth.config.params import parse_params
    from promptworth.core.errors import ParamsError
    from promptworth.lm.modeling import RuntimeOptions, load_causal_lm, prepare_for_training
    from promptworth.methods.train_run import train_run

    model = prepare_for_training(load_causal_lm(tiny_model_dir), RuntimeOptions(bf16_weights=True))
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    raw = yaml.safe_load((Path(__file__).parents[1] / "params.yaml").read_text())
    bf16 = copy.deepcopy(raw)
    bf16["train"]["precision"] = "bf16"
    params = parse_params(bf16)
    assert params.train.precision == "bf16" and parse_params(raw).train.precision == "mixed"

    class OneProcess:
        is_main_process, num_processes = True, 1

    with pytest.raises(ParamsError, match=r"'train.precision' is bf16 .* for CUDA training"):
        train_run(Run("prompt", "instruct", 10, 0), params, OneProcess(), None)
