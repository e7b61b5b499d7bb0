"""Precision follows the hardware, every stage says what it runs on, and the plan stage measures
this machine's throughput (once per model, device and precision)."""

import numpy as np
import pytest
import torch

from promptworth.analysis.probe import cached_probe, measure_throughput, probe_key
from promptworth.core.hardware import choose_cpu_bf16, select_runtime
from promptworth.lm.modeling import HeadClassifier, load_causal_lm
from promptworth.readout.inference import head_logits, rank_classify

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU decision")


@pytest.mark.parametrize(
    ("setting", "native", "bf16"),
    [("auto", True, True), ("auto", False, False), (True, True, True), (True, False, True),
     (False, True, False), (False, False, False)],
)  # fmt: skip
def test_cpu_bf16_follows_the_setting_and_the_cpu(setting, native, bf16):
    assert choose_cpu_bf16(setting, native, "eval.cpu_bf16").bf16 is bf16


def test_forcing_bf16_on_a_cpu_without_it_warns_with_the_slowdown_and_the_fix():
    warning = choose_cpu_bf16(True, False, "eval.cpu_bf16").warning
    assert "eval.cpu_bf16=true" in warning and "5x slower" in warning
    assert "set eval.cpu_bf16=auto" in warning
    assert choose_cpu_bf16(True, True, "eval.cpu_bf16").warning is None
    assert choose_cpu_bf16("auto", False, "eval.cpu_bf16").warning is None


def test_an_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="eval.cpu_bf16 must be one of"):
        choose_cpu_bf16("yes", True, "eval.cpu_bf16")


@NO_CUDA
def test_the_runtime_line_names_device_threads_and_precision_with_the_probe_injected():
    native = select_runtime(None, "auto", "eval.cpu_bf16", native_bf16=lambda: True)
    assert native.dtype is torch.bfloat16
    assert native.line.startswith("device cpu: ")
    assert f"{torch.get_num_threads()} torch thread" in native.line
    assert "bf16 autocast (eval.cpu_bf16=auto: this CPU has native bf16)" in native.line
    emulated = select_runtime(None, "auto", "eval.cpu_bf16", native_bf16=lambda: False)
    assert emulated.dtype is None
    assert "float32 (eval.cpu_bf16=auto: no native bf16 on this CPU)" in emulated.line
    assert "\n" not in emulated.line  # one line
    forced = select_runtime(None, True, "train.cpu_bf16", native_bf16=lambda: False)
    assert forced.dtype is torch.bfloat16 and "5x slower" in forced.warning


def _agreement(fp32: np.ndarray, bf16: np.ndarray) -> int:
    return int((fp32.argmax(1) == bf16.argmax(1)).sum())


def test_rank_classification_and_head_argmax_agree_under_bf16_and_fp32(tiny_model_dir):
    """The scoring precision changes a few close calls at most: on 64 prompts of a tiny model
    (whose label scores are close, random weights), count the rows whose prediction differs."""
    device = torch.device("cpu")
    gen = torch.Generator().manual_seed(0)
    prompts = [torch.randint(5, 200, (int(n),), generator=gen).tolist()
               for n in torch.randint(4, 40, (64,), generator=gen)]  # fmt: skip
    labels = [[11], [12, 13], [14], [15, 16]]
    lm = load_causal_lm(tiny_model_dir)
    fp32 = rank_classify(lm, prompts, labels, 0, 16, device, None, progress=False)
    bf16 = rank_classify(lm, prompts, labels, 0, 16, device, torch.bfloat16, progress=False)
    assert np.abs(fp32 - bf16).max() < 0.1
    rank_same = _agreement(fp32, bf16)
    torch.manual_seed(0)
    head = HeadClassifier.from_pretrained(tiny_model_dir, 4)
    fp32 = head_logits(head, prompts, 0, 16, device, None, progress=False)
    bf16 = head_logits(head, prompts, 0, 16, device, torch.bfloat16, progress=False)
    head_same = _agreement(fp32, bf16)
    # Measured: 64 / 64 for both on the tiny model; a couple of flips would still be rounding.
    assert rank_same >= 62 and head_same >= 62, (rank_same, head_same)


def test_the_probe_measures_positive_throughput_on_real_shapes(tiny_model_dir):
    rows = [[5 + (i % 50)] * (10 + i % 30) for i in range(40)]
    result = measure_throughput(
        tiny_model_dir, rows, 0, 4, 8, torch.device("cpu"), None, None, startup_before_s=1.5
    )
    assert min(result.train_flops, result.head_train_flops, result.infer_flops,
               result.backbone_infer_flops) > 0  # fmt: skip
    assert result.startup_s >= 1.5
    assert min(result.train_step_s, result.head_step_s, result.infer_pass_s,
               result.backbone_pass_s) > 0  # fmt: skip
    assert result.tokens_per_row == pytest.approx(sum(map(len, rows)) / len(rows), abs=0.1)


def test_the_probe_is_cached_per_model_device_and_precision(tiny_model_dir, tmp_path):
    def key(line="device cpu: X, 2 torch threads; float32", train_bf16=False, infer_bf16=False):
        return probe_key(tiny_model_dir, line, 8, 32, 90.0, train_bf16, infer_bf16)

    assert key() == key()
    assert len({key(), key(infer_bf16=True), key(train_bf16=True),
                key("device cpu: Y, 2 torch threads; float32")}) == 4  # fmt: skip
    # The free memory after ';' or in the precision words does not split the cache.
    assert key("device cpu: X, 2 torch threads; bf16 autocast") == key()
    calls = []

    def measure():
        calls.append(1)
        return measure_throughput(
            tiny_model_dir, [[5, 6, 7, 8]] * 8, 0, 2, 4, torch.device("cpu"), None, None
        )

    first, cached = cached_probe(tmp_path, key(), measure)
    assert not cached and calls == [1]
    again, cached = cached_probe(tmp_path, key(), measure)
    assert cached and calls == [1] and again == first
    (tmp_path / f"probe-{key()}.json").write_text("{broken")
    _, cached = cached_probe(tmp_path, key(), measure)  # a damaged cache is measured again
    assert not cached and calls == [1, 1]


def test_head_frozen_trains_on_features_in_the_precision_it_is_tested_on(
    tiny_model_dir, tiny_tokenizer, monkeypatch
):
    """The features stage computes dev and test features under eval.cpu_bf16; the run's own
    training features must be computed the same way, not in the training precision."""
    from dataclasses import replace

    from promptworth.methods import head
    from tests.test_models import context, run_data

    seen = []

    def recording(backbone, ids, pad, batch, device, dtype=None, progress=True):
        seen.append(dtype)
        return torch.zeros(len(ids), backbone.config.hidden_size)

    monkeypatch.setattr(head, "frozen_features", recording)
    monkeypatch.setattr(head, "load_features", lambda folder, split: torch.zeros(0, 32))
    ctx = replace(context(tiny_model_dir, tiny_tokenizer, 2, 1e-3), evaluate_dev=False)
    head.train_head_frozen(
        run_data(tiny_tokenizer, 16, 4), 4, replace(ctx, features_dtype=torch.bfloat16), None
    )
    assert seen == [torch.bfloat16] and ctx.dtype is None  # training fp32, features bf16
