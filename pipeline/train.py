"""Stage `train` (a DVC matrix over method x size x seed): fine-tune one run and save it.

Writes data/runs/<method>-<size>-<seed>/: the safetensors checkpoint, train.json (steps, time,
trainable parameters, history) and DVCLive logs of training loss and dev accuracy in live/.
A run that train.limits trims writes only skipped.json.
"""

import argparse
import time
from contextlib import nullcontext

from dvclive import Live

from promptworth import methods
from promptworth.distributed import is_launched, make_accelerator, relaunch
from promptworth.grid import run_included
from promptworth.io import atomic_path, write_json, write_skipped
from promptworth.modeling import RuntimeOptions, load_tokenizer, peak_memory_mib, pick_device
from promptworth.params import METHODS, load_params
from promptworth.paths import MODEL, RUNS
from promptworth.report import run_name
from promptworth.runs import load_run_data
from promptworth.training import (
    TrainSettings,
    evaluation_steps,
    num_training_steps,
    seed_everything,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--size", required=True, type=int, help="training points (nested subset)")
    parser.add_argument("--seed", required=True, type=int, help="data and training seed")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    params = load_params()
    t = params.train
    name = run_name(args.method, args.size, args.seed)
    s = params.sample
    if not run_included(args.method, args.size, args.seed, s.sizes, s.seeds, t.limits):
        write_skipped(RUNS / name, f"train.limits.{args.method}")
        print(f"{name}: skipped by train.limits.{args.method}")
        return
    if t.num_processes > 1 and args.method != "head_frozen" and not is_launched():
        relaunch(t.num_processes)  # the launched processes do the work and write the outputs
        return
    accelerator = make_accelerator() if is_launched() else None
    is_main = accelerator is None or accelerator.is_main_process
    seed_everything(args.seed)
    device, dtype = pick_device(params.runtime.gpu)
    if accelerator is not None:
        device = accelerator.device
    data = load_run_data(args.size, args.seed)
    steps = num_training_steps(args.size, t.batch_size, t.epochs, t.min_steps, t.max_steps)
    settings = TrainSettings(
        steps,
        t.batch_size,
        t.learning_rate[args.method],
        t.weight_decay,
        t.warmup_ratio,
        t.group_by_length,
    )
    evaluate_at = evaluation_steps(steps, t.dev_evals)
    num_labels = len(params.data.label_names)
    processes = accelerator.num_processes if accelerator is not None else 1
    if is_main:
        print(
            f"{name}: {len(data.train)} examples, {steps} steps on {device} x{processes} "
            f"(bf16: {dtype is not None})"
        )

    # Only the main process writes outputs; the others only take part in training.
    output = atomic_path(RUNS / name) if is_main else nullcontext()
    with output as run_dir:
        live = Live(str(run_dir / "live"), save_dvc_exp=False, dvcyaml=None) if is_main else None

        def log(step: int, record: dict) -> None:
            if live is None:
                return
            live.step = step
            for key, value in record.items():
                if key != "step":
                    live.log_metric(key, value)
            live.next_step()

        start = time.perf_counter()
        if args.method == "head_frozen":
            model, history = methods.train_head_frozen(
                data, num_labels, settings, args.seed, evaluate_at, log
            )
        else:
            tokenizer = load_tokenizer(MODEL)
            common = dict(
                settings=settings,
                seed=args.seed,
                evaluate_at=evaluate_at,
                log=log,
                device=device,
                dtype=dtype,
                eval_batch_size=t.eval_batch_size,
                options=RuntimeOptions(t.compile, t.gradient_checkpointing),
                accelerator=accelerator,
            )
            if args.method == "head_full":
                model, history = methods.train_head_full(
                    data, MODEL, tokenizer, num_labels, **common
                )
            else:
                model, history = methods.train_prompt(
                    data, MODEL, tokenizer, params.format.label_words, **common
                )
        seconds = time.perf_counter() - start
        if not is_main:
            return
        live.summary = {"train_seconds": seconds, "steps": steps}
        live.end()
        methods.save_checkpoint(args.method, model.cpu(), run_dir)
        write_json(
            run_dir / "train.json",
            {
                "method": args.method,
                "size": args.size,
                "seed": args.seed,
                "steps": steps,
                "processes": processes,
                "trainable_parameters": methods.count_trainable(model),
                "train_seconds": round(seconds, 2),
                "peak_memory_mib": round(peak_memory_mib(device), 1),
                "device": str(device),
                "history": history,
            },
        )
    print(f"{name}: trained in {seconds:.1f}s")


if __name__ == "__main__":
    main()
