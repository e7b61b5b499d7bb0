import os

# No test may wait on the hub: everything they load is built locally.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

from tests import tiny  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    return tiny.build_tiny_gpt2(tmp_path_factory.mktemp("tiny_gpt2"))


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory):
    return tiny.build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model_dir):
    from promptworth.lm.modeling import load_tokenizer

    return load_tokenizer(tiny_model_dir)


@pytest.fixture
def optimizer_spy(monkeypatch):
    """Records the `fused` flag train_loop asks make_optimizer for, passing every argument on
    unchanged (shared by the CPU and CUDA tests, so CPU CI catches a signature change)."""
    from promptworth.methods import training

    seen = {}
    original = training.make_optimizer

    def spy(*args, fused=False, **kwargs):
        seen["fused"] = fused
        return original(*args, fused=fused, **kwargs)

    monkeypatch.setattr(training, "make_optimizer", spy)
    return seen
