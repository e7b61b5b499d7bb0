"""Stage `evaluate` (the same matrix as `train`): score one trained run on the test subset.

Writes data/eval/<run>/metrics.json (accuracy, macro-F1, none-rate, confusion matrix per
reading) and data/eval/<run>/predictions.csv (one row per test example).
"""

import argparse
import time

from promptworth import evaluation
from promptworth.io import SKIPPED, atomic_path, read_json, write_json, write_skipped
from promptworth.modeling import load_tokenizer, peak_memory_mib, pick_device
from promptworth.params import METHODS, load_params
from promptworth.paths import EVAL, FORMATTED, MODEL, RUNS
from promptworth.prompts import format_prompt
from promptworth.report import run_name
from promptworth.scoring import score_predictions
from promptworth.verbalise import NONE


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--size", required=True, type=int)
    parser.add_argument("--seed", required=True, type=int)
    return parser.parse_args()


def main() -> None:
    import pandas as pd

    args = parse_args()
    params = load_params()
    name = run_name(args.method, args.size, args.seed)
    run_dir = RUNS / name
    if (run_dir / SKIPPED).is_file():
        write_skipped(EVAL / name, "the run was skipped by train.limits")
        print(f"{name}: skipped")
        return
    device, dtype = pick_device(params.runtime.gpu)
    test = pd.read_parquet(FORMATTED / "test.parquet")
    names = params.data.label_names
    start = time.perf_counter()
    generations = None
    if args.method == "head_frozen":
        readings = evaluation.predict_head_frozen(run_dir)
    elif args.method == "head_full":
        readings = evaluation.predict_head_full(
            run_dir, test, load_tokenizer(MODEL), params.eval.batch_size, device, dtype
        )
    else:
        readings, generations = evaluation.predict_prompt(
            run_dir,
            test,
            load_tokenizer(MODEL),
            params.format.label_words,
            names,
            params.eval,
            device,
            dtype,
            # Contextual calibration's content-free input, in the same pattern (Zhao et al.).
            format_prompt(params.format.template, "N/A"),
        )
    seconds = time.perf_counter() - start
    trained = read_json(run_dir / "train.json")
    cost = {
        "trainable_parameters": trained["trainable_parameters"],
        "train_steps": trained["steps"],
        "train_seconds": trained["train_seconds"],
        "train_peak_memory_mib": trained.get("peak_memory_mib"),
        "eval_seconds": round(seconds, 2),
        "eval_peak_memory_mib": round(peak_memory_mib(device), 1),
    }

    scores = {r: score_predictions(test["label"], p, len(names)) for r, p in readings.items()}
    predictions = pd.DataFrame({"row": test["row"], "label": test["label"]})
    for reading, pred in readings.items():
        predictions[reading] = [names[p] if p != NONE else "none" for p in pred]
    if generations is not None:
        predictions["generation"] = generations
    with atomic_path(EVAL / name) as out:
        out.mkdir()
        write_json(
            out / "metrics.json",
            {
                "method": args.method,
                "size": args.size,
                "seed": args.seed,
                "cost": cost,
                "readings": scores,
            },
        )
        predictions.to_csv(out / "predictions.csv", index=False)
    for reading, s in scores.items():
        print(
            f"{name} {reading}: accuracy {s['accuracy']:.3f} macro-F1 {s['macro_f1']:.3f} "
            f"none {s['none_rate']:.2f}"
        )


if __name__ == "__main__":
    main()
