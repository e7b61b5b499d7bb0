"""Benchmark each optimisation of promptworth against its naive form, in one process, same data.

    python bench/bench.py                       # CPU, tiny random GPT-2 (~2 min on 2 cores)
    python bench/bench.py --model gpt2-small    # random GPT-2-small (124M), for a GPU
    python bench/bench.py --model path/to/hf_dir --repo .

Prints one line per comparison with the ratio naive / optimised (higher is better), and on CUDA the
tokens/s and model FLOPs utilisation (6 x parameters x tokens / time / peak) of prompt fine-tuning.
Models are built from a config (random weights: speed does not depend on the weights), unless
--model names a local directory.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn

from promptworth.lm.batching import pad_batch
from promptworth.lm.modeling import HeadClassifier, autocast, pick_device
from promptworth.methods.losses import lm_target_loss
from promptworth.methods.training import TrainSettings, train_loop
from promptworth.readout.inference import frozen_features, generate_greedy, rank_classify
from promptworth.readout.verbalise import verbalise_exact

# Dense bf16 peak of the cards MFU is reported for (TFLOP/s, without sparsity).
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L4": 121.0}
LABELS = [" World", " Sports", " Business", " Sci/Tech"]
NAMES = ["World", "Sports", "Business", "Sci/Tech"]
SIZES = {  # name -> (layers, hidden, heads)
    "tiny": (2, 128, 4),
    "gpt2-small": (12, 768, 12),
}


def build_model(name: str, device: torch.device):
    from transformers import GPT2Config, GPT2LMHeadModel

    if Path(name).is_dir():
        from promptworth.lm.modeling import load_causal_lm

        return load_causal_lm(name).to(device)
    layers, hidden, heads = SIZES[name]
    torch.manual_seed(0)
    config = GPT2Config(n_layer=layers, n_embd=hidden, n_head=heads, n_positions=1024)
    config.pad_token_id = config.eos_token_id
    return GPT2LMHeadModel(config).to(device)


def synthetic_examples(n: int, vocab: int, low: int, high: int, seed: int = 0):
    """Token-id prompts of varied length (news articles vary a lot) and label targets."""
    rng = random.Random(seed)
    prompts = [[rng.randrange(100, vocab) for _ in range(rng.randint(low, high))] for _ in range(n)]
    labels = [[rng.randrange(100, vocab)] for _ in LABELS[:3]] + [[rng.randrange(100, vocab)] * 3]
    targets = [labels[i % 4] for i in range(n)]
    return prompts, targets, labels


def timed(fn, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def report(name: str, naive: float, fast: float, unit: str = "s") -> None:
    print(f"{name:<58} naive {naive:8.2f}{unit}  optimised {fast:8.2f}{unit}  x{naive / fast:6.1f}")


def bench_frozen_head(model, prompts, device, dtype, epochs: int, batch: int) -> None:
    """Frozen head: features once + head epochs vs the LM forward inside every step."""
    backbone = model.base_model  # GPT2Model, LlamaModel, ...: the LM without its head
    labels = torch.tensor([i % 4 for i in range(len(prompts))], device=device)
    hidden = backbone.config.hidden_size

    def train_head(get_features) -> None:
        head = nn.Linear(hidden, 4).to(device)
        opt = torch.optim.AdamW(head.parameters(), lr=1e-3)
        for _ in range(epochs):
            for start in range(0, len(prompts), batch):
                idx = list(range(start, min(start + batch, len(prompts))))
                loss = nn.functional.cross_entropy(head(get_features(idx)), labels[idx])
                loss.backward()
                opt.step()
                opt.zero_grad()

    def naive_features(idx):
        with torch.no_grad():
            ids, mask = pad_batch([prompts[i] for i in idx], 0)
            with autocast(device, dtype):
                out = HeadClassifier(backbone, 4).features(ids.to(device), mask.to(device))
            return out.float()

    def cached() -> None:
        feats = frozen_features(backbone, prompts, 0, 64, device, dtype, progress=False).to(device)
        train_head(lambda idx: feats[idx])

    report(
        f"frozen head, {epochs} epochs: cached features vs LM each step",
        timed(lambda: train_head(naive_features), device),
        timed(cached, device),
    )


def bench_readings(model, prompts, labels, device, dtype, batch: int) -> None:
    """Rank classification vs generate-then-verbalise vs one forward per label."""
    pad = 0

    def per_label() -> None:
        for label in labels:  # the textbook loop: every label re-reads the whole prompt
            seqs = [p + label for p in prompts]
            for start in range(0, len(seqs), batch):
                ids, mask = pad_batch(seqs[start : start + batch], pad)
                with torch.no_grad(), autocast(device, dtype):
                    model(input_ids=ids.to(device), attention_mask=mask.to(device))

    def generate() -> None:
        out = generate_greedy(model, prompts, pad, 5, batch, device, dtype, progress=False)
        verbalise_exact([" ".join(map(str, o)) for o in out], NAMES)

    rank = timed(
        lambda: rank_classify(model, prompts, labels, pad, batch, device, dtype, progress=False),
        device,
    )
    report("rank classification vs one forward per label", timed(per_label, device), rank)
    report("rank classification vs generate-then-verbalise", timed(generate, device), rank)


def bench_padding(model, prompts, targets, device, dtype, steps: int, batch: int) -> None:
    """Training tokens/s: length-grouped dynamic padding vs padding every batch to max length."""
    lengths = [len(p) + len(t) for p, t in zip(prompts, targets, strict=True)]
    modes = {  # name: (pad every batch to, group by length)
        "pad to max length": (max(lengths), False),
        "dynamic padding, random batches": (None, False),
        "dynamic padding, length-grouped": (None, True),
    }
    rates = {}
    for name, (pad_to, grouped) in modes.items():
        settings = TrainSettings(steps, batch, 1e-5, 0.0, 0.0, group_by_length=grouped)
        loss = lm_target_loss(prompts, targets, 0, device, lambda: autocast(device, dtype), pad_to)
        run = lambda s=settings, f=loss: train_loop(  # noqa: E731
            model, f, len(prompts), s, 0, progress=False, lengths=lengths
        )
        run_short = lambda f=loss: train_loop(  # noqa: E731
            model, f, len(prompts), TrainSettings(3, batch, 1e-5, 0.0, 0.0), 0, progress=False
        )
        timed(run_short, device)  # warm-up: kernels, allocator, autotuning
        seconds = timed(run, device)
        tokens = sum(lengths) * steps * batch / len(prompts)  # real (non-pad) tokens, expected
        rates[name] = tokens / seconds
        print(f"  training, {name:<40} {rates[name]:10,.0f} real tokens/s")
    naive, best = rates["pad to max length"], rates["dynamic padding, length-grouped"]
    print(
        f"{'training tokens/s: grouped dynamic padding vs pad to max':<58} "
        f"naive {naive:8.0f}/s  optimised {best:8.0f}/s  x{best / naive:6.1f}"
    )
    if device.type == "cuda":
        params = sum(p.numel() for p in model.parameters())
        name = torch.cuda.get_device_name(device)
        peak = next((v for k, v in PEAK_TFLOPS.items() if k in name), None)
        mfu = 6 * params * best / (peak * 1e12) if peak else float("nan")
        print(
            f"prompt fine-tuning on {name}: {best:,.0f} tokens/s, {params / 1e6:.0f}M params, "
            f"MFU {mfu:.1%} (peak {peak} TFLOP/s bf16), "
            f"peak memory {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB"
        )


def bench_target_logits(model, prompts, targets, device, dtype, steps: int, batch: int) -> None:
    """Seconds per prompt training step: the LM head at every position vs only at the positions
    that predict a target token (what lm_target_loss does; the same loss and gradient)."""
    seconds = {}
    for every in (True, False):
        loss = lm_target_loss(
            prompts, targets, 0, device, lambda: autocast(device, dtype), every_position=every
        )
        run = lambda f=loss, n=steps: train_loop(  # noqa: E731
            model, f, len(prompts), TrainSettings(n, batch, 1e-5, 0.0, 0.0), 0, progress=False
        )
        timed(lambda r=run: r(n=2), device)  # warm-up
        seconds[every] = timed(run, device) / steps
    report("prompt step: LM head at target positions vs everywhere", seconds[True], seconds[False])


def bench_noop_repro(repo: Path) -> None:
    """Seconds for `dvc repro` when nothing changed (the cost of checking every stage)."""
    status = subprocess.run(
        [sys.executable, "-m", "dvc", "status", "-q"], cwd=repo, capture_output=True
    )
    if status.returncode != 0:
        print(f"no-op dvc repro: skipped, {repo} is not up to date (run `dvc repro` there first)")
        return
    seconds = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "dvc", "repro"], cwd=repo, capture_output=True, check=True
        ),
        torch.device("cpu"),
    )
    print(f"{'no-op dvc repro in ' + str(repo):<58} {seconds:8.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="tiny", help="tiny, gpt2-small or a local HF directory")
    parser.add_argument("--examples", type=int, default=256, help="examples per comparison")
    parser.add_argument("--min-len", type=int, default=24, help="shortest prompt (tokens)")
    parser.add_argument("--max-len", type=int, default=160, help="longest prompt (tokens)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=30, help="training steps per padding mode")
    parser.add_argument("--repo", type=Path, default=None, help="time a no-op dvc repro here")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model first")
    parser.add_argument(
        "--only",
        choices=["frozen_head", "readings", "padding", "target_logits"],
        help="run one comparison (default: all)",
    )
    args = parser.parse_args()

    device, dtype = pick_device()
    torch.manual_seed(0)
    model = build_model(args.model, device)
    if args.compile:
        from promptworth.lm.modeling import RuntimeOptions, prepare_for_training

        prepare_for_training(model, RuntimeOptions(compile=True))
    vocab = model.config.vocab_size
    prompts, targets, labels = synthetic_examples(args.examples, vocab, args.min_len, args.max_len)
    print(
        f"device {device} (bf16 autocast: {dtype is not None}), model {args.model} "
        f"({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M params), "
        f"{args.examples} examples of {args.min_len}-{args.max_len} tokens, batch {args.batch}"
    )
    comparisons = {
        "frozen_head": lambda: bench_frozen_head(model, prompts, device, dtype, 5, args.batch),
        "readings": lambda: bench_readings(model, prompts, labels, device, dtype, args.batch),
        "padding": lambda: bench_padding(
            model, prompts, targets, device, dtype, args.steps, args.batch
        ),
        "target_logits": lambda: bench_target_logits(
            model, prompts, targets, device, dtype, args.steps, args.batch
        ),
    }
    for name, compare in comparisons.items():
        if args.only in (None, name):
            compare()
    if args.repo is not None:
        bench_noop_repro(args.repo)


if __name__ == "__main__":
    main()
