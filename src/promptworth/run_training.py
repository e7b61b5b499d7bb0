"""Train one run of the head or prompt family and write what it produced.

Writes data/runs/<run>/ (the checkpoint the method table names, and train.json) and
data/logs/train/<run>/ (DVCLive curves, cost.json). With several processes (DDP), every process
trains its shard and only the main one writes.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

from .heads import save_head, train_head
from .io import atomic_path, write_json
from .methods import Run
from .modeling import RuntimeOptions, load_tokenizer, peak_memory_mib, pick_device
from .params import Params
from .paths import MODEL, RUNS, TRAIN_LOGS
from .prompt_training import save_prompt_model, train_prompt
from .records import TrainLog, run_identity, write_cost
from .runs import load_run_data
from .training import TrainContext, TrainSettings, num_training_steps


def count_trainable(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_settings(run: Run, params: Params) -> TrainSettings:
    """The shared training settings with the run's own step budget and learning rates."""
    t, m = params.train, params.methods[run.method]
    return TrainSettings(
        num_training_steps(run.size, t.batch_size, t.epochs, t.min_steps, t.max_steps),
        t.batch_size,
        m.learning_rate,
        t.weight_decay,
        t.warmup_ratio,
        t.group_by_length,
        eval_interval=t.early_stopping.eval_interval,
        patience=t.early_stopping.patience,
        min_steps=t.min_steps,
        head_learning_rate=m.head_learning_rate,
    )


def train_run(run: Run, params: Params, accelerator) -> None:
    spec, t = run.spec, params.train
    is_main = accelerator.is_main_process
    device, dtype = pick_device(params.gpu)
    if accelerator.num_processes > 1:
        device = accelerator.device
    pattern = params.pattern_for(run) if spec.reads_pattern else None
    data = load_run_data(
        run.size,
        run.seed,
        pattern.template if pattern else None,
        pattern.label_words if pattern else (),
    )
    settings = train_settings(run, params)
    if is_main:
        print(
            f"{run.name}: {len(data.train)} examples, up to {settings.steps} steps of "
            f"{settings.batch_size} on {device} x{accelerator.num_processes} "
            f"(bf16: {dtype is not None})"
        )
    with ExitStack() as stack:
        # Only the main process writes; the others only take part in training.
        run_dir = stack.enter_context(atomic_path(RUNS / run.name)) if is_main else None
        log_dir = stack.enter_context(atomic_path(TRAIN_LOGS / run.name)) if is_main else None
        if is_main:
            run_dir.mkdir()
            log_dir.mkdir()
        log = TrainLog(log_dir)
        ctx = TrainContext(
            model_dir=MODEL,
            tokenizer=load_tokenizer(MODEL),
            settings=settings,
            seed=run.seed,
            device=device,
            dtype=dtype,
            eval_batch_size=t.eval_batch_size,
            options=RuntimeOptions(t.compile, t.gradient_checkpointing),
            log=log,
            accelerator=accelerator,
        )
        start = time.perf_counter()
        if spec.family == "head":
            model, result = train_head(spec, data, len(params.data.label_names), ctx)
        else:
            settings_m = params.methods[run.method]
            model, result = train_prompt(spec, data, pattern.label_words, settings_m, ctx)
        seconds = time.perf_counter() - start
        if not is_main:
            return
        model = model.cpu()
        (save_head if spec.family == "head" else save_prompt_model)(spec, model, run_dir)
        write_json(
            run_dir / "train.json",
            {
                **run_identity(run),
                "planned_steps": settings.steps,
                "steps": result.steps_run,
                "chosen_step": result.chosen_step,
                "stopped_early": result.stopped_early,
                "examples_seen": result.examples_seen,
                "epochs": round(result.examples_seen / len(data.train), 3),
                "examples_at_chosen_step": result.examples_at_chosen,
                "epochs_at_chosen_step": round(result.examples_at_chosen / len(data.train), 3),
                "train_tokens": result.train_tokens,
                "trainable_parameters": count_trainable(model),
                "history": result.history,
            },
        )
        log.close({"steps": result.steps_run, "chosen_step": result.chosen_step})
        write_cost(
            log_dir / "cost.json",
            train_seconds=seconds,
            peak_memory_mib=peak_memory_mib(device),
            device=str(device),
            processes=accelerator.num_processes,
        )
    print(
        f"{run.name}: trained in {seconds:.1f}s, {result.steps_run}/{settings.steps} steps, "
        f"kept step {result.chosen_step}"
    )
