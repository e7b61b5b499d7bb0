"""bf16 autocast on a CPU against float32: speed of every pass, accuracy on dev rows.

    python bench/bench_bf16.py --model data/model --data train.csv    # ~15 min on 2 cores

Times, in one process and on the same rows, each kind of pass the pipeline makes (frozen-LM
features, rank classification, greedy generation, a training step of every trained method) in
float32 and under torch.autocast("cpu", bfloat16), and prints the ratio. Then trains the pilot
runs (head_full and prompt at --size points, --steps steps, seed 0) both ways and scores them on
--dev-rows dev rows, never test rows: bf16 is worth turning on (train.cpu_bf16, eval.cpu_bf16)
where it is faster at the same dev accuracy. Needs a CPU with bf16 support to be faster (AVX-512
BF16 or AMX); elsewhere autocast still runs, slower.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from promptworth.config.methods import Run
from promptworth.config.schema import MethodParams
from promptworth.data.prompts import apply_pattern, label_token_ids, truncate_inputs
from promptworth.data.runs import RunData
from promptworth.data.sampling import balanced_order
from promptworth.data.sources import load_split
from promptworth.lm.modeling import autocast, load_backbone, load_causal_lm, load_tokenizer
from promptworth.methods.losses import lm_target_loss
from promptworth.methods.training import TrainContext, TrainSettings
from promptworth.readout.inference import frozen_features, generate_greedy, rank_classify

TEMPLATE = "Given news article: {text}. The topic is:"
WORDS = [" World", " Sports", " Business", " Sci/Tech"]
NAMES = ("World", "Sports", "Business", "Sci/Tech")
CPU = torch.device("cpu")
BF16 = torch.bfloat16


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def report(name: str, fp32: float, bf16: float) -> None:
    print(f"{name:<44} fp32 {fp32:7.2f}s  bf16 {bf16:7.2f}s  x{fp32 / bf16:5.2f}")


def pilot_rows(args, tokenizer) -> RunData:
    table = load_split(args.data, "train", NAMES)
    order = balanced_order(table["label"].to_numpy(), np.random.default_rng(0))
    picked = table.iloc[order[: args.size + args.dev_rows]]
    rows = truncate_inputs(picked.reset_index(drop=True), ["text"], tokenizer, 64)
    rows = apply_pattern(rows, TEMPLATE, WORDS)
    return RunData(
        rows.iloc[: args.size].reset_index(drop=True), rows.iloc[args.size :].reset_index(drop=True)
    )


def bench_passes(model_dir: Path, data: RunData, tokenizer) -> None:
    pad = tokenizer.pad_token_id
    prompts = tokenizer(data.dev["prompt"].tolist()[:64], add_special_tokens=False)["input_ids"]
    articles = tokenizer(data.dev["head_input"].tolist()[:64], add_special_tokens=False)[
        "input_ids"
    ]
    backbone = load_backbone(model_dir)
    run = lambda dtype: frozen_features(backbone, articles, pad, 32, CPU, dtype, False)  # noqa: E731
    run(None)  # warm-up
    report("features, 64 articles", timed(lambda: run(None)), timed(lambda: run(BF16)))
    lm = load_causal_lm(model_dir)
    labels = label_token_ids(tokenizer, WORDS)
    rank = lambda dtype: rank_classify(lm, prompts, labels, pad, 32, CPU, dtype, False)  # noqa: E731
    report("rank classification, 64 prompts", timed(lambda: rank(None)), timed(lambda: rank(BF16)))
    gen = lambda dtype: generate_greedy(lm, prompts[:32], pad, 5, 32, CPU, dtype, False)  # noqa: E731
    report("greedy generation, 32 x 5 tokens", timed(lambda: gen(None)), timed(lambda: gen(BF16)))


def step_times(model_dir: Path, data: RunData, tokenizer, steps: int) -> None:
    """Seconds per training step of each trained method's model, fp32 vs bf16."""
    from promptworth.methods.registry import behaviour
    from promptworth.methods.training import make_optimizer

    prompt_ids = tokenizer(data.train["prompt"].tolist(), add_special_tokens=False)["input_ids"]
    target_ids = tokenizer(data.train["target"].tolist(), add_special_tokens=False)["input_ids"]
    adapters = MethodParams(
        lora_rank=8, lora_alpha=16, lora_dropout=0.05, virtual_tokens=20,
        init_text="Classify the topic of this news article: world, sports, business or science.",
    )  # fmt: skip
    for method in ("prompt", "prompt_lora", "prompt_tuning"):
        times = {}
        for name, dtype in (("fp32", None), ("bf16", BF16)):
            model = behaviour(Run(method)).trainer.build(model_dir, adapters)
            model.train()
            optimizer = make_optimizer(model, 1e-5, 0.0)
            loss = lm_target_loss(prompt_ids, target_ids, tokenizer.pad_token_id, CPU,
                                  lambda d=dtype: autocast(CPU, d))  # fmt: skip

            def one_step(model=model, optimizer=optimizer, loss=loss) -> None:
                loss(model, list(range(8))).backward()
                optimizer.step()
                optimizer.zero_grad()

            one_step()  # warm-up
            times[name] = timed(lambda f=one_step: [f() for _ in range(steps)]) / steps
        report(f"training step of 8, {method}", times["fp32"], times["bf16"])


def dev_accuracy(reads_head: bool, model, data: RunData, tokenizer, dtype) -> float:
    """Dev accuracy of a trained model, its passes in float32 (dtype None) or bf16."""
    from promptworth.readout.inference import head_logits

    pad = tokenizer.pad_token_id
    model.eval()
    if reads_head:
        ids = tokenizer(data.dev["head_input"].tolist(), add_special_tokens=False)["input_ids"]
        scores = head_logits(model, ids, pad, 32, CPU, dtype, progress=False)
    else:
        ids = tokenizer(data.dev["prompt"].tolist(), add_special_tokens=False)["input_ids"]
        labels = label_token_ids(tokenizer, WORDS)
        scores = rank_classify(model, ids, labels, pad, 32, CPU, dtype, progress=False)
    return float((scores.argmax(axis=1) == data.dev["label"].to_numpy()).mean())


def pilot(model_dir: Path, data: RunData, tokenizer, steps: int) -> None:
    """The pilot runs trained each way, each scored both ways, on dev rows only."""
    from promptworth.methods.head import train_head_full
    from promptworth.methods.prompt import train_prompt, whole_lm

    trainers = {  # the two methods of the published comparison
        "head_full": lambda ctx: train_head_full(data, 4, ctx),
        "prompt": lambda ctx: train_prompt(whole_lm, data, WORDS, MethodParams(), ctx),
    }
    for method, train in trainers.items():
        for name, dtype in (("fp32", None), ("bf16", BF16)):
            rate, head = (2e-5, 1e-3) if method == "head_full" else (2e-5, None)
            settings = TrainSettings(steps, 8, rate, 0.01, 0.1, head_learning_rate=head)
            ctx = TrainContext(model_dir, tokenizer, settings, 0, CPU, dtype, 32)
            start = time.perf_counter()
            model, _ = train(ctx)
            seconds = time.perf_counter() - start
            scored = {
                label: dev_accuracy(method == "head_full", model, data, tokenizer, d)
                for label, d in (("fp32", None), ("bf16", BF16))
            }
            print(
                f"pilot {method:<10} trained {name}: {seconds:6.1f}s for {steps} steps; dev "
                f"accuracy on {len(data.dev)} rows scored fp32 {scored['fp32']:.3f}, "
                f"scored bf16 {scored['bf16']:.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=Path("data/model"))
    parser.add_argument("--data", required=True, help="a text,label file of AG News rows")
    parser.add_argument("--size", type=int, default=100, help="pilot training rows")
    parser.add_argument("--dev-rows", type=int, default=300)
    parser.add_argument("--steps", type=int, default=30, help="pilot training steps")
    parser.add_argument("--step-timing", type=int, default=3, help="steps timed per method")
    parser.add_argument("--pilot-only", action="store_true", help="skip the pass timings")
    args = parser.parse_args()
    torch.manual_seed(0)
    tokenizer = load_tokenizer(args.model)
    data = pilot_rows(args, tokenizer)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.model}")
    if not args.pilot_only:
        bench_passes(args.model, data, tokenizer)
        step_times(args.model, data, tokenizer, args.step_timing)
    pilot(args.model, data, tokenizer, args.steps)


if __name__ == "__main__":
    main()
