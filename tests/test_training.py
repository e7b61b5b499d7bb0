"""The shared loop's stopping rule, on a model small enough to reason about exactly."""

import pytest
import torch
from torch import nn

from promptworth.methods.steps import EarlyStopping, evaluation_steps
from promptworth.methods.training import TrainSettings, make_optimizer, train_loop


def test_evaluation_steps_every_interval_and_the_last():
    assert evaluation_steps(100, 30) == {30, 60, 90, 100}
    assert evaluation_steps(100, None) == {100}


def scripted_run(
    dev_accuracies, steps=100, patience=2, min_steps=0, interval=10, losses=None, examples=8
):
    """Train a 1-parameter model; dev accuracy (and loss) follow the script, keyed by step."""
    model = nn.Linear(1, 1, bias=False)
    weights = {}

    def loss(m, batch):
        return ((m(torch.ones(len(batch), 1)) - 5.0) ** 2).mean()

    def on_evaluate(step):
        weights[step] = model.weight.item()
        record = {"dev_accuracy": dev_accuracies.get(step, 0.0)}
        if losses is not None:
            record["dev_loss"] = losses.get(step, 1.0)
        return record

    settings = TrainSettings(
        steps, 4, 0.1, 0.0, 0.0, eval_interval=interval, patience=patience, min_steps=min_steps
    )
    result = train_loop(model, loss, examples, settings, 0, on_evaluate, progress=False)
    return model, result, weights


def test_stops_after_patience_evaluations_without_a_new_best_and_keeps_the_best_weights():
    model, result, weights = scripted_run({10: 0.5, 20: 0.7, 30: 0.6, 40: 0.65, 50: 0.9})
    assert result.steps_run == 40 and result.stopped_early  # 30 and 40 failed to beat 0.7
    assert result.chosen_step == 20
    assert model.weight.item() == weights[20] != weights[40]
    assert [h["step"] for h in result.history if "dev_accuracy" in h] == [10, 20, 30, 40]


def test_never_stops_before_min_steps():
    _, result, _ = scripted_run({10: 0.9}, patience=1, min_steps=50)
    assert result.steps_run == 50 and result.chosen_step == 10


def test_without_patience_every_step_runs_and_the_last_weights_stay():
    model, result, weights = scripted_run({10: 0.9}, steps=30, patience=None)
    assert result.steps_run == 30 and not result.stopped_early and result.chosen_step == 30
    assert model.weight.item() == weights[30]


def test_early_stopping_copies_only_trainable_weights():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model[0].requires_grad_(False)
    stopper = EarlyStopping(model, patience=1, min_steps=0)
    stopper.update(1, 0.5)
    assert set(stopper.best_state) == {"1.weight", "1.bias"}


def test_tokens_processed_follow_the_lengths_of_the_drawn_examples():
    model = nn.Linear(1, 1)

    def loss(m, batch):
        return m(torch.ones(len(batch), 1)).pow(2).mean()

    settings = TrainSettings(3, 2, 0.1, 0.0, 0.0)  # 3 steps of 2 = 6 examples drawn
    result = train_loop(model, loss, 4, settings, 0, progress=False, lengths=[10, 10, 10, 10])
    assert result.train_tokens == 60


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3))
        self.head = nn.Linear(3, 2)


def rates_by_parameter(optimizer, model):
    names = {id(p): n for n, p in model.named_parameters()}
    return {
        names[id(p)]: (g["lr"], g["weight_decay"])
        for g in optimizer.param_groups
        for p in g["params"]
    }


def test_head_parameters_take_the_head_rate_and_decay_still_skips_biases_and_norms():
    model = Classifier()
    rates = rates_by_parameter(make_optimizer(model, 1e-5, 0.1, head_learning_rate=1e-3), model)
    assert rates == {
        "backbone.0.weight": (1e-5, 0.1),
        "backbone.0.bias": (1e-5, 0.0),
        "backbone.1.weight": (1e-5, 0.0),
        "backbone.1.bias": (1e-5, 0.0),
        "head.weight": (1e-3, 0.1),
        "head.bias": (1e-3, 0.0),
    }
    one_rate = rates_by_parameter(make_optimizer(model, 1e-5, 0.1), model)
    assert {lr for lr, _ in one_rate.values()} == {1e-5}


def test_the_schedule_scales_every_group_from_its_own_peak():
    model = Classifier()
    loss = lambda m, batch: m.head(m.backbone(torch.ones(len(batch), 3))).pow(2).mean()  # noqa: E731
    settings = TrainSettings(10, 2, 1e-4, 0.0, 0.0, head_learning_rate=1e-2)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    train_loop(model, loss, 4, settings, 0, progress=False)
    moved = {n: (p - before[n]).abs().max().item() for n, p in model.named_parameters()}
    # Adam steps are ~lr each, so the head moves ~100x further than the backbone.
    assert moved["head.weight"] > 20 * moved["backbone.0.weight"] > 0


def test_train_loop_asks_for_fused_adamw_only_on_cuda(optimizer_spy):
    model = nn.Linear(1, 1)

    def loss(m, batch):
        return m(torch.ones(len(batch), 1)).pow(2).mean()

    train_loop(model, loss, 4, TrainSettings(2, 2, 0.1, 0.0, 0.0), 0, progress=False)
    assert optimizer_spy == {"fused": False}  # the CPU path; test_cuda checks True on a GPU


def test_examples_seen_count_partial_batches_of_each_epoch():
    model = nn.Linear(1, 1)

    def loss(m, batch):
        return m(torch.ones(len(batch), 1)).pow(2).mean()

    # 10 examples in batches of 8: each epoch is a batch of 8 and one of 2.
    result = train_loop(model, loss, 10, TrainSettings(3, 8, 0.1, 0.0, 0.0), 0, progress=False)
    assert result.examples_seen == 8 + 2 + 8


def test_a_tie_in_dev_accuracy_goes_to_the_lower_dev_loss_then_the_later_step():
    # 100 dev rows move in steps of 1%: equal accuracy at steps 20 and 40 (and 60) is common.
    accs = {10: 0.5, 20: 0.86, 30: 0.8, 40: 0.86, 50: 0.86, 60: 0.7, 70: 0.7}
    _, result, _ = scripted_run(accs, patience=3, losses={20: 0.5, 40: 0.4, 50: 0.45})
    assert result.chosen_step == 40  # same accuracy as 20 and 50, lowest loss
    _, result, _ = scripted_run(accs, patience=3)  # no loss: the later of the tied steps
    assert result.chosen_step == 50
    assert result.kept_evaluation == {"dev_accuracy": 0.86}


def test_no_weights_are_kept_before_one_pass_over_the_subset():
    # 40 examples in batches of 4: the first pass ends at step 10; step 5's 0.99 does not count.
    _, result, _ = scripted_run({5: 0.99, 10: 0.6, 15: 0.7}, steps=20, interval=5, examples=40)
    assert result.chosen_step == 15 and result.examples_at_chosen >= 40


@pytest.mark.parametrize(
    ("size", "expected"), [(10, 250), (1000, 625), (8000, 1000), (100000, 12500)]
)
def test_steps_never_stop_before_one_pass_over_the_subset(size, expected):
    from promptworth.methods.steps import num_training_steps

    assert num_training_steps(size, 8, 5, min_steps=250, max_steps=1000) == expected


def test_deferred_losses_read_once_per_batch_of_steps_and_keep_step_order():
    from promptworth.methods.training import DeferredLosses

    losses = DeferredLosses(every=3)
    records = [{"step": k} for k in range(1, 6)]
    completed = [losses.add(r, torch.tensor(float(r["step"]) / 2)) for r in records]
    assert [len(c) for c in completed] == [0, 0, 3, 0, 0]  # one read after three steps
    assert [r["train_loss"] for r in completed[2]] == [0.5, 1.0, 1.5]
    assert "train_loss" not in records[3]  # still on the device
    assert [r["step"] for r in losses.flush()] == [4, 5] and records[4]["train_loss"] == 2.5
    assert losses.flush() == []


def test_every_step_is_logged_once_in_order_with_its_own_loss():
    """The loss read every few steps (issue 36) changes neither the history nor the log: the
    loss of each step is the one computed at that step, and every step reaches the log once,
    a dev evaluation's step after its metrics are in."""
    model = nn.Linear(1, 1, bias=False)
    computed, logged = [], []

    def loss(m, batch):
        value = ((m(torch.ones(len(batch), 1)) - 5.0) ** 2).mean()
        computed.append(value.item())
        return value

    settings = TrainSettings(37, 4, 0.1, 0.0, 0.0, eval_interval=10)
    result = train_loop(
        model,
        loss,
        8,
        settings,
        0,
        on_evaluate=lambda step: {"dev_accuracy": step / 100},
        log=lambda step, record: logged.append((step, dict(record))),
        progress=False,
    )
    assert [step for step, _ in logged] == list(range(1, 38))
    assert [r["train_loss"] for _, r in logged] == pytest.approx(computed)
    assert [r["train_loss"] for r in result.history] == pytest.approx(computed)
    assert [s for s, r in logged if "dev_accuracy" in r] == [10, 20, 30, 37]


def test_a_dev_reading_at_the_last_step_changes_no_weight():
    """Protocol v2's grid runs read the dev rows once, at the last step, under a patience that
    never runs out (the convergence check's reading): the same training, the same weights, the
    last step kept, as a run that reads no dev row."""

    def run(patience, interval, on_evaluate):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        x = torch.randn(10, 3)

        def loss(m, batch):
            return m(x[batch]).pow(2).mean()

        settings = TrainSettings(25, 4, 0.05, 0.01, 0.1, eval_interval=interval, patience=patience)
        result = train_loop(model, loss, 10, settings, 0, on_evaluate, progress=False)
        return model, result

    plain, plain_result = run(None, None, None)
    read, read_result = run(1000000, 1000000, lambda step: {"dev_accuracy": 0.5, "dev_loss": 1.0})
    assert all(
        torch.equal(a, b) for a, b in zip(plain.parameters(), read.parameters(), strict=True)
    )
    assert [h["train_loss"] for h in plain_result.history] == [
        h["train_loss"] for h in read_result.history
    ]
    assert read_result.chosen_step == read_result.steps_run == 25
    assert read_result.kept_evaluation == {"dev_accuracy": 0.5, "dev_loss": 1.0}
