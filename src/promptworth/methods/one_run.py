"""One run, start to end, in one process: train it (if its method trains), score the trained
model on the test rows, and write small results that can travel.

Writes data/runs/<run>/:
- train.json: what training did (steps, chosen step, examples seen, tokens, dev accuracy of
  every evaluation); the same inputs give the same file;
- scores.csv: one row per test row (row id, label, one score per class: a head's logits or each
  label word's log-likelihood) and scores.json: what the scores are, the label words, the
  content-free input's scores, the greedy generations, the tokens through the model and what
  else to record (icl_few's demonstrations). The `read` stage turns them into predictions and
  metrics without a model, so a verbaliser or threshold change re-runs no training;
- only with train.keep_checkpoint: the checkpoint the method table names and checksums.json.

and data/logs/runs/<run>/: DVCLive curves and cost.json (wall time, memory, device: measured,
read only by the report's cost table). A kept checkpoint is hundreds of MB; the rest is a few
hundred kB, so a run can be pushed to a DVC remote or carried off a machine without its weights.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

import pandas as pd
import torch

from promptworth.config.methods import Run
from promptworth.config.params import check_label_words
from promptworth.config.schema import Params
from promptworth.core.checkpoints import write_checksums
from promptworth.core.hardware import machine_name, precision_word, select_runtime
from promptworth.core.io import atomic_path, write_json
from promptworth.core.paths import MODEL, RUN_LOGS, RUNS
from promptworth.core.records import write_cost
from promptworth.data.runs import SCORES_CSV, SCORES_JSON, load_class_names
from promptworth.lm.modeling import load_tokenizer, peak_memory_mib
from promptworth.methods.registry import Scores, behaviour
from promptworth.methods.train_run import train_run


def run_one(run: Run, params: Params, accelerator) -> None:
    """Train (if the method trains) and score `run`; write its folder and its log folder. With
    several processes only the main one scores and writes; the others only help train."""
    check_label_words(params, len(load_class_names()))
    is_main = accelerator.is_main_process
    how = behaviour(run)
    with ExitStack() as stack:
        # Written under temporary names and moved in place whole: a killed run leaves nothing
        # that DVC or the read stage would take for a result.
        run_dir = stack.enter_context(atomic_path(RUNS / run.name)) if is_main else None
        log_dir = stack.enter_context(atomic_path(RUN_LOGS / run.name)) if is_main else None
        if is_main:
            run_dir.mkdir()
            log_dir.mkdir()
        trained = train_run(run, params, accelerator, log_dir) if how.trainer else None
        if not is_main:
            return
        if trained is not None:
            write_json(run_dir / "train.json", trained.record)
            if params.train.keep_checkpoint:
                how.trainer.save(trained.model, run_dir)
                write_checksums(run_dir)  # loading it back checks the files against these
        runtime = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
        runtime.announce()
        model = how.trainer.for_scoring(trained.model) if trained is not None else None
        start = time.perf_counter()
        scores = how.score(run, params, model, load_tokenizer(MODEL), runtime.device, runtime.dtype)
        eval_seconds = time.perf_counter() - start
        write_scores(run_dir, run, scores)
        train_cost = (
            {
                "train_seconds": trained.seconds,
                "train_peak_memory_mib": trained.peak_memory_mib,
                "processes": trained.processes,
                "train_precision": trained.precision,
            }
            if trained is not None
            else {}
        )
        write_cost(
            log_dir / "cost.json",
            **train_cost,
            eval_seconds=eval_seconds,
            peak_memory_mib=peak_memory_mib(runtime.device),
            device=str(runtime.device),
            # Provenance: a grid split over machines gathers runs from each (docs/pipeline.md).
            machine=machine_name(runtime.device),
            scoring_precision=precision_word(runtime.dtype is not None),
            torch=torch.__version__,
        )
    print(f"{run.name}: scored {len(scores.test)} test rows in {eval_seconds:.1f}s")


def write_scores(run_dir, run: Run, scores: Scores) -> None:
    """scores.csv (per test row) and scores.json (the rest) of one run."""
    table = pd.DataFrame({"row": scores.test["row"], "label": scores.test["label"]})
    for j in range(scores.scores.shape[1]):
        table[f"score_{j}"] = scores.scores[:, j]
    table.to_csv(run_dir / SCORES_CSV, index=False)
    meta = {
        **run.identity(),
        # The method's declaration (its module's METHOD): a change to it changes this file, so
        # the stages that read runs by their declarations (read, report) re-run.
        "declared": run.spec.record(),
        "scores_are": scores.scores_are,
        "label_words": list(scores.label_words) if scores.label_words is not None else None,
        "content_free": (
            [float(x) for x in scores.content_free] if scores.content_free is not None else None
        ),
        "eval_tokens": scores.tokens,
        "extra": scores.extra,
        "generations": scores.generations,
    }
    write_json(run_dir / SCORES_JSON, meta)
