"""Stage `train` (a DVC matrix over method x pattern x size x seed): fine-tune one run, save it.

Writes data/runs/<method>-<pattern>-<size>-<seed>/: the checkpoint (safetensors; adapters only for
prompt_lora and prompt_tuning), train.json (planned and chosen steps, tokens, time, trainable
parameters, history) and DVCLive logs of training loss and dev accuracy in live/. ICL methods do
not train: they write train.json with their demonstrations. A cell of the matrix that does not
run (see promptworth.grid) writes only skipped.json, before any heavy import, so it costs ~0.1 s.
"""

import argparse

from promptworth.grid import ICL_METHODS, METHODS, run_name, skip_reason
from promptworth.io import atomic_path, write_json, write_skipped
from promptworth.params import load_params
from promptworth.paths import RUNS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--pattern", required=True, help="a name in format.patterns")
    parser.add_argument("--size", required=True, type=int, help="training points (nested subset)")
    parser.add_argument("--seed", required=True, type=int, help="data and training seed")
    return parser.parse_args()


def write_icl_run(args: argparse.Namespace, shots: int, out) -> None:
    from promptworth.icl import pick_demonstrations

    demos = [] if args.method == "icl_zero" else pick_demonstrations(args.size, shots, args.seed)
    with atomic_path(out) as run_dir:
        run_dir.mkdir()
        write_json(
            run_dir / "train.json",
            {
                **vars(args),  # the run's identity: method, pattern, size, seed
                "demonstrations": demos,  # positions in the run's nested training subset
                "steps": 0,
                "chosen_step": 0,
                "train_tokens": 0,
                "trainable_parameters": 0,
                "train_seconds": 0.0,
                "peak_memory_mib": None,
            },
        )
    print(f"{out.name}: {len(demos)} demonstrations, no training")


def main() -> None:
    args = parse_args()
    params = load_params()
    t, s = params.train, params.sample
    name = run_name(args.method, args.pattern, args.size, args.seed)
    why = skip_reason(
        args.method,
        args.pattern,
        args.size,
        args.seed,
        t.patterns[0],  # the main pattern (params puts it first)
        s.sizes,
        s.seeds,
        t.limits,
        t.icl.shots,
    )
    if why is not None:
        write_skipped(RUNS / name, why)
        print(f"{name}: skipped ({why})")
        return
    if args.method in ICL_METHODS:
        write_icl_run(args, t.icl.shots, RUNS / name)
        return
    train_run(args, params, name)


def train_run(args: argparse.Namespace, params, name: str) -> None:
    import time
    from contextlib import nullcontext

    from dvclive import Live

    from promptworth import methods
    from promptworth.distributed import is_launched, make_accelerator, relaunch
    from promptworth.modeling import RuntimeOptions, load_tokenizer, peak_memory_mib, pick_device
    from promptworth.paths import MODEL
    from promptworth.runs import load_run_data
    from promptworth.training import TrainSettings, num_training_steps, seed_everything

    t = params.train
    if t.num_processes > 1 and args.method != "head_frozen" and not is_launched():
        relaunch(t.num_processes)  # the launched processes do the work and write the outputs
        return
    accelerator = make_accelerator() if is_launched() else None
    is_main = accelerator is None or accelerator.is_main_process
    seed_everything(args.seed)
    device, dtype = pick_device(params.runtime.gpu)
    if accelerator is not None:
        device = accelerator.device
    pattern = params.format.for_run(args.method, args.pattern)
    is_head = args.method in ("head_frozen", "head_full")
    data = load_run_data(
        args.size, args.seed, None if is_head else pattern.template, pattern.label_words
    )
    steps = num_training_steps(args.size, t.batch_size, t.epochs, t.min_steps, t.max_steps)
    settings = TrainSettings(
        steps,
        t.batch_size,
        t.learning_rate[args.method],
        t.weight_decay,
        t.warmup_ratio,
        t.group_by_length,
        eval_interval=t.early_stopping.eval_interval,
        patience=t.early_stopping.patience,
        min_steps=t.min_steps,
        head_learning_rate=t.head_learning_rate if args.method == "head_full" else None,
    )
    num_labels = len(params.data.label_names)
    processes = accelerator.num_processes if accelerator is not None else 1
    if is_main:
        print(
            f"{name}: {len(data.train)} examples, up to {steps} steps on {device} x{processes} "
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
            model, result = methods.train_head_frozen(data, num_labels, settings, args.seed, log)
        else:
            tokenizer = load_tokenizer(MODEL)
            common = dict(
                settings=settings,
                seed=args.seed,
                log=log,
                device=device,
                dtype=dtype,
                eval_batch_size=t.eval_batch_size,
                options=RuntimeOptions(t.compile, t.gradient_checkpointing),
                accelerator=accelerator,
            )
            if args.method == "head_full":
                model, result = methods.train_head_full(
                    data, MODEL, tokenizer, num_labels, **common
                )
            else:
                adapters = methods.Adapters(
                    t.lora.rank, t.lora.alpha, t.lora.dropout, t.virtual_tokens
                )
                model, result = methods.train_prompt(
                    args.method,
                    data,
                    MODEL,
                    tokenizer,
                    pattern.label_words,
                    adapters=adapters,
                    **common,
                )
        seconds = time.perf_counter() - start
        if not is_main:
            return
        live.summary = {
            "train_seconds": seconds,
            "steps": result.steps_run,
            "chosen_step": result.chosen_step,
        }
        live.end()
        methods.save_checkpoint(args.method, model.cpu(), run_dir)
        write_json(
            run_dir / "train.json",
            {
                **vars(args),  # the run's identity: method, pattern, size, seed
                "planned_steps": steps,
                "steps": result.steps_run,
                "chosen_step": result.chosen_step,
                "stopped_early": result.stopped_early,
                "train_tokens": result.train_tokens,
                "processes": processes,
                "trainable_parameters": methods.count_trainable(model),
                "train_seconds": round(seconds, 2),
                "peak_memory_mib": round(peak_memory_mib(device), 1),
                "device": str(device),
                "history": result.history,
            },
        )
    print(
        f"{name}: trained in {seconds:.1f}s, {result.steps_run}/{steps} steps, "
        f"kept step {result.chosen_step}"
    )


if __name__ == "__main__":
    main()
