"""Score one run on the test rows: one prediction array per reading, then accuracy and friends.

Head methods have one reading (argmax). Prompt and ICL methods have rank classification (summed,
per-byte and contextually calibrated log-likelihood of each label word) and, for the methods
with methods.<name>.generate, one reading per verbaliser applied to greedy generations.

Writes data/eval/<run>/: metrics.json and predictions.csv (the same inputs give the same files)
and cost.json (wall time and memory: measured, read only by the report's cost table; nothing
else depends on this folder, so it costs no re-run).
"""

from __future__ import annotations

import time

import pandas as pd

from promptworth.config.methods import Run
from promptworth.config.params import check_label_words
from promptworth.config.schema import Params
from promptworth.core.checkpoints import verify_checkpoint
from promptworth.core.hardware import select_runtime
from promptworth.core.io import atomic_path, write_json
from promptworth.core.paths import EVAL, MODEL, RUNS
from promptworth.core.records import write_cost
from promptworth.data.runs import load_class_names
from promptworth.lm.modeling import load_tokenizer, peak_memory_mib
from promptworth.methods.registry import behaviour
from promptworth.readout.scoring import score_predictions
from promptworth.readout.verbalise import NONE


def evaluate_run(run: Run, params: Params) -> dict:
    """Score `run` on the test subset; write its outputs; return its scores per reading."""
    names = load_class_names()
    check_label_words(params, len(names))
    runtime = select_runtime(params.gpu, params.eval.cpu_bf16, "eval.cpu_bf16")
    runtime.announce()
    device, dtype = runtime.device, runtime.dtype
    if run.spec.is_trained:  # a damaged checkpoint fails here in one line, not in safetensors
        verify_checkpoint(RUNS / run.name, run.train_stage)
    tokenizer = load_tokenizer(MODEL)
    start = time.perf_counter()
    prediction = behaviour(run).predict(run, params, tokenizer, device, dtype)
    test, readings = prediction.test, prediction.readings
    seconds = time.perf_counter() - start
    scores = {r: score_predictions(test["label"], p, len(names)) for r, p in readings.items()}
    predictions = pd.DataFrame({"row": test["row"], "label": test["label"]})
    for reading, pred in readings.items():
        predictions[reading] = [names[p] if p != NONE else "none" for p in pred]
    if prediction.generations is not None:
        predictions["generation"] = prediction.generations
    with atomic_path(EVAL / run.name) as out:
        out.mkdir()
        write_json(
            out / "metrics.json",
            {
                **run.identity(),
                "eval_tokens": prediction.tokens,
                **prediction.extra,
                "readings": scores,
            },  # fmt: skip
        )
        predictions.to_csv(out / "predictions.csv", index=False)
        write_cost(
            out / "cost.json",
            eval_seconds=seconds,
            peak_memory_mib=peak_memory_mib(device),
            device=str(device),
        )
    return scores
