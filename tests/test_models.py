"""Behaviour that needs a model: the tiny 2-layer GPT-2 built in conftest, never a download."""

import numpy as np
import pytest
import torch

from promptworth.config.methods import Run
from promptworth.config.schema import MethodParams
from promptworth.data.prompts import apply_pattern, encode_prompt_target, truncate_inputs
from promptworth.data.runs import RunData
from promptworth.lm.modeling import HeadClassifier, last_token_states, load_causal_lm
from promptworth.methods.steps import num_training_steps
from promptworth.methods.training import TrainContext, TrainSettings
from promptworth.readout.inference import generate_greedy, rank_classify
from tests import tiny

CPU = torch.device("cpu")
WORDS = [" World", " Sports", " Business", " Sci/Tech"]


def hand_log_likelihood(model, prompt: list[int], target: list[int]) -> float:
    """log p(target | prompt) by one unbatched forward pass and an explicit sum."""
    with torch.no_grad():
        logprobs = torch.log_softmax(model(torch.tensor([prompt + target])).logits[0], dim=-1)
    return sum(logprobs[len(prompt) - 1 + k, tok].item() for k, tok in enumerate(target))


def test_rank_classify_equals_hand_computed_log_likelihood(tiny_model_dir, tiny_tokenizer):
    model = load_causal_lm(tiny_model_dir).eval()
    prompts, _ = (
        encode_prompt_target(
            tiny_tokenizer,
            ["Given news article: goal match. The topic is:", "a:", "bank profit:"],
            WORDS,
        )[0],
        None,
    )
    label_ids = encode_prompt_target(tiny_tokenizer, [""] * 4, WORDS)[1]
    assert any(len(ids) > 1 for ids in label_ids) and any(len(ids) == 1 for ids in label_ids)
    scores = rank_classify(
        model, prompts, label_ids, tiny_tokenizer.pad_token_id, 2, CPU, progress=False
    )
    expected = [[hand_log_likelihood(model, p, t) for t in label_ids] for p in prompts]
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)


def test_rank_classify_single_token_labels_use_one_pass(tiny_model_dir, tiny_tokenizer):
    model = load_causal_lm(tiny_model_dir).eval()
    prompts = [[5, 6, 7], [8, 9]]
    labels = [[11], [12], [13]]
    scores = rank_classify(model, prompts, labels, 0, 4, CPU, progress=False)
    expected = [[hand_log_likelihood(model, p, t) for t in labels] for p in prompts]
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)


def test_rank_classify_with_several_multi_token_labels(tiny_model_dir):
    model = load_causal_lm(tiny_model_dir).eval()
    prompts = [[5, 6, 7], [8, 9], [20, 21, 22, 23, 24]]
    labels = [[11], [12, 13], [14, 15, 16], [17]]
    scores = rank_classify(model, prompts, labels, 0, 2, CPU, progress=False)
    expected = [[hand_log_likelihood(model, p, t) for t in labels] for p in prompts]
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)


def test_batched_left_padded_generation_equals_one_by_one(tiny_model_dir, tiny_tokenizer):
    model = load_causal_lm(tiny_model_dir).eval()
    prompts = tiny_tokenizer(
        ["goal match coach:", "a:", "The topic is: bank profit:"], add_special_tokens=False
    )["input_ids"]
    pad = tiny_tokenizer.pad_token_id
    batched = generate_greedy(model, prompts, pad, 4, 3, CPU, progress=False)
    single = [generate_greedy(model, [p], pad, 4, 1, CPU, progress=False)[0] for p in prompts]
    assert batched == single


def test_last_token_states_ignores_padding_on_either_side():
    hidden = torch.arange(2 * 4 * 1, dtype=torch.float).reshape(2, 4, 1)
    right = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    left = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    assert last_token_states(hidden, right).flatten().tolist() == [1.0, 7.0]
    assert last_token_states(hidden, left).flatten().tolist() == [3.0, 7.0]


def test_head_sees_the_same_state_with_and_without_padding(tiny_model_dir):
    model = HeadClassifier.from_pretrained(tiny_model_dir, 4).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 0, 0]])
    with torch.no_grad():
        padded = model(ids, mask)
        unpadded = model(ids[:, :3], mask[:, :3])
    torch.testing.assert_close(padded, unpadded, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("size", "expected"), [(10, 10), (100, 65), (1000, 200)])
def test_step_rule_clamps_epochs_to_bounds(size, expected):
    assert num_training_steps(size, 8, 5, min_steps=10, max_steps=200) == expected


def run_data(tokenizer, n_train=48, n_dev=40) -> RunData:
    table = tiny.synthetic_articles(n_train + n_dev, seed=5)
    rows = truncate_inputs(table, ["text"], tokenizer, 32)
    rows = apply_pattern(rows, tiny.TEMPLATE, WORDS)
    return RunData(
        rows.iloc[:n_train].reset_index(drop=True), rows.iloc[n_train:].reset_index(drop=True)
    )


ADAPTERS = MethodParams(
    lora_rank=4, lora_alpha=8, lora_dropout=0.0, virtual_tokens=4, init_text="Classify the topic."
)


def context(model_dir, tokenizer, steps, lr, seed=0, **kw) -> TrainContext:
    settings = TrainSettings(steps, 8, lr, 0.0, 0.1, **kw)
    return TrainContext(model_dir, tokenizer, settings, seed, eval_batch_size=32)


def train_prompt(tiny_model_dir, tokenizer, steps, seed=0, method="prompt", lr=3e-3, **kw):
    from promptworth.methods.prompt import train_prompt as train
    from promptworth.methods.registry import behaviour

    ctx = context(tiny_model_dir, tokenizer, steps, lr, seed, **kw)
    build = behaviour(Run(method)).trainer.build
    return train(build, run_data(tokenizer), WORDS, ADAPTERS, ctx)


def test_prompt_training_is_deterministic_for_a_seed(tiny_model_dir, tiny_tokenizer):
    _, first = train_prompt(tiny_model_dir, tiny_tokenizer, 6)
    _, second = train_prompt(tiny_model_dir, tiny_tokenizer, 6)
    assert [h["train_loss"] for h in first.history] == [h["train_loss"] for h in second.history]


def test_prompt_training_learns_the_synthetic_topics(tiny_model_dir, tiny_tokenizer):
    _, result = train_prompt(tiny_model_dir, tiny_tokenizer, 150)
    history = result.history
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 3
    assert history[-1]["dev_accuracy"] >= 0.6  # chance is 0.25
    # every example's prompt and target tokens, forward and backward, once per step it is drawn
    assert result.train_tokens > 150 * 8 * 10
    assert result.examples_seen == 150 * 8  # 48 examples: 6 full batches an epoch


def test_head_full_training_learns_the_synthetic_topics(tiny_model_dir, tiny_tokenizer):
    from promptworth.methods.head import train_head_full

    ctx = context(tiny_model_dir, tiny_tokenizer, 80, 3e-3)
    model, result = train_head_full(run_data(tiny_tokenizer), 4, ctx)
    assert result.history[-1]["dev_accuracy"] >= 0.6


def test_a_kept_head_full_checkpoint_scores_as_the_model_in_memory(
    tiny_model_dir, tiny_tokenizer, tmp_path
):
    from promptworth.methods.head import (
        full_head_logits,
        load_full_head,
        save_head_and_backbone,
        train_head_full,
    )

    ctx = context(tiny_model_dir, tiny_tokenizer, 10, 3e-3)
    model, _ = train_head_full(run_data(tiny_tokenizer), 4, ctx)
    save_head_and_backbone(model, tmp_path)
    texts = run_data(tiny_tokenizer).dev["head_input"]
    in_memory, tokens = full_head_logits(model, texts, tiny_tokenizer, 8, CPU, None)
    reloaded, _ = full_head_logits(load_full_head(tmp_path), texts, tiny_tokenizer, 8, CPU, None)
    assert in_memory.shape == (len(texts), 4) and tokens > 0
    np.testing.assert_array_equal(in_memory, reloaded)


def test_gradient_checkpointing_gives_the_same_loss_and_gradients(tiny_model_dir):
    from promptworth.lm.modeling import RuntimeOptions, prepare_for_training
    from promptworth.methods.losses import lm_target_loss

    def loss_and_grad(options):
        model = prepare_for_training(load_causal_lm(tiny_model_dir), options)
        model.train()
        for module in model.modules():  # no dropout, so both passes compute the same function
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        loss = lm_target_loss([[5, 6, 7], [8, 9]], [[11], [12, 13]], 0, CPU, torch.enable_grad)
        value = loss(model, [0, 1])
        value.backward()
        return value.item(), model.lm_head.weight.grad.clone(), model.is_gradient_checkpointing

    plain, plain_grad, plain_on = loss_and_grad(RuntimeOptions())
    ckpt, ckpt_grad, ckpt_on = loss_and_grad(RuntimeOptions(gradient_checkpointing=True))
    assert (plain_on, ckpt_on) == (False, True)
    assert ckpt == pytest.approx(plain, rel=1e-6)
    torch.testing.assert_close(ckpt_grad, plain_grad, rtol=1e-5, atol=1e-6)


def test_contextual_calibration_divides_out_the_content_free_prior():
    from promptworth.readout.readings import calibrated_predictions

    # The model favours label 0 for any input (content-free log-probs 0.6/0.2/0.2).
    content_free = np.log([0.6, 0.2, 0.2])
    scores = np.log([[0.5, 0.3, 0.2], [0.7, 0.2, 0.1], [0.4, 0.1, 0.5]])
    assert scores.argmax(axis=1).tolist() == [0, 0, 2]
    # Ratios to the prior: (0.83, 1.5, 1.0) -> 1; (1.17, 1.0, 0.5) -> 0; (0.67, 0.5, 2.5) -> 2.
    assert calibrated_predictions(scores, content_free).tolist() == [1, 0, 2]


@pytest.mark.parametrize(
    ("method", "lr", "trainable"), [("prompt_lora", 1e-2, None), ("prompt_tuning", 1e-1, 4 * 32)]
)
def test_parameter_efficient_methods_train_only_their_adapters(
    tiny_model_dir, tiny_tokenizer, tmp_path, method, lr, trainable
):
    from promptworth.methods.registry import behaviour
    from promptworth.methods.train_run import count_trainable

    trainer = behaviour(Run(method)).trainer

    base = load_causal_lm(tiny_model_dir)
    model, result = train_prompt(tiny_model_dir, tiny_tokenizer, 40, method=method, lr=lr)
    losses = [h["train_loss"] for h in result.history]
    if method == "prompt_lora":
        assert np.mean(losses[-10:]) < np.mean(losses[:10])
    else:  # 4 soft tokens barely sway a random 2-layer model; they must still have moved
        start = trainer.build(tiny_model_dir, ADAPTERS)
        before = start.prompt_encoder["default"].embedding.weight
        after = model.prompt_encoder["default"].embedding.weight
        assert (after - before).abs().max() > 1e-2
    n = count_trainable(model)
    assert 0 < n < 0.1 * sum(p.numel() for p in base.parameters())
    if trainable is not None:  # prompt tuning: 4 virtual tokens x 32 dimensions, nothing else
        assert n == trainable
    # the LM itself is untouched: every base weight equals the pretrained one
    trained = dict(model.get_base_model().named_parameters())
    for name, param in base.named_parameters():
        head, _, leaf = name.rpartition(".")
        key = name if name in trained else f"{head}.base_layer.{leaf}"  # a LoRA-wrapped layer
        torch.testing.assert_close(trained[key], param)
    trainer.save(model, tmp_path)
    files = {p.name for p in (tmp_path / "adapter").iterdir()}
    assert "adapter_model.safetensors" in files and not (tmp_path / "lm").exists()
    saved = (tmp_path / "adapter" / "adapter_model.safetensors").stat().st_size
    assert saved < (tiny_model_dir / "model.safetensors").stat().st_size / 5
    # reloaded for evaluation, it scores the labels as the trained model does
    reloaded = trainer.load_lm(tmp_path, tiny_model_dir).eval()
    ids = tiny_tokenizer(["goal match coach:", "bank profit:"], add_special_tokens=False)[
        "input_ids"
    ]
    labels = [[11], [12]]
    model.eval()
    np.testing.assert_allclose(
        rank_classify(reloaded, ids, labels, 0, 1, CPU, progress=False),
        rank_classify(model, ids, labels, 0, 1, CPU, progress=False),
        rtol=1e-4,
        atol=1e-4,
    )
    # scored in memory as the run stage does (LoRA folded), it gives the reloaded checkpoint's
    # scores exactly: keeping no checkpoint changes no prediction
    np.testing.assert_array_equal(
        rank_classify(trainer.for_scoring(model).eval(), ids, labels, 0, 1, CPU, progress=False),
        rank_classify(reloaded, ids, labels, 0, 1, CPU, progress=False),
    )


def test_null_label_words_are_learnable_targets_too(tiny_model_dir, tiny_tokenizer):
    from promptworth.data.prompts import label_token_ids

    names = [" Alice", " Bob", " Carol", " David"]
    assert all(ids for ids in label_token_ids(tiny_tokenizer, names))
