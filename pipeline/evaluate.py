"""Stage `evaluate` (the same matrix as `train`): score one run on the test subset.

Writes data/eval/<run>/metrics.json (accuracy, macro-F1, none-rate, confusion matrix per reading,
and the run's cost) and data/eval/<run>/predictions.csv (one row per test example).
"""

import argparse

from promptworth.grid import ICL_METHODS, METHODS, run_name
from promptworth.io import SKIPPED, write_skipped
from promptworth.params import load_params
from promptworth.paths import EVAL, RUNS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--pattern", required=True, help="a name in format.patterns")
    parser.add_argument("--size", required=True, type=int)
    parser.add_argument("--seed", required=True, type=int)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    params = load_params()
    name = run_name(args.method, args.pattern, args.size, args.seed)
    if (RUNS / name / SKIPPED).is_file():
        write_skipped(EVAL / name, "the run was skipped (see its train stage)")
        print(f"{name}: skipped")
        return
    evaluate_run(args, params, name)


def icl_prompt_ids(tokenizer, data, demonstrations, content_free, budget):
    """Demonstrations-then-query token ids of every test row (demonstrations that would overflow
    `budget` dropped, the query kept whole), and of the content-free input."""
    from promptworth.icl import DEMO_SEPARATOR, icl_inputs

    demos = data.train.iloc[demonstrations]
    demo_texts = [
        p + t + DEMO_SEPARATOR for p, t in zip(demos["prompt"], demos["target"], strict=True)
    ]
    encode = lambda texts: tokenizer(list(texts), add_special_tokens=False)["input_ids"]  # noqa: E731
    demo_ids = encode(demo_texts) if demo_texts else []
    queries, kept = icl_inputs(demo_ids, encode(data.test["prompt"]), budget)
    (calibration,), _ = icl_inputs(demo_ids, encode([content_free]), budget)
    return queries, calibration, kept


def evaluate_run(args: argparse.Namespace, params, name: str) -> None:
    import time

    import pandas as pd

    from promptworth import evaluation
    from promptworth.io import atomic_path, read_json, write_json
    from promptworth.methods import label_token_ids, load_prompt_lm
    from promptworth.modeling import load_tokenizer, peak_memory_mib, pick_device
    from promptworth.paths import FORMATTED, MODEL
    from promptworth.prompts import content_free_prompt
    from promptworth.runs import load_run_data
    from promptworth.scoring import score_predictions
    from promptworth.verbalise import NONE

    run_dir = RUNS / name
    trained = read_json(run_dir / "train.json")
    device, dtype = pick_device(params.runtime.gpu)
    names = params.data.label_names
    start = time.perf_counter()
    generations, extra = None, {}
    if args.method == "head_frozen":
        test = pd.read_parquet(FORMATTED / "test.parquet")
        readings = evaluation.predict_head_frozen(run_dir)
        eval_tokens = 0  # features were computed once by the `features` stage
    elif args.method == "head_full":
        test = pd.read_parquet(FORMATTED / "test.parquet")
        tokenizer = load_tokenizer(MODEL)
        readings, eval_tokens = evaluation.predict_head_full(
            run_dir, test, tokenizer, params.eval.batch_size, device, dtype
        )
    else:
        pattern = params.format.for_run(args.method, args.pattern)
        data = load_run_data(args.size, args.seed, pattern.template, pattern.label_words)
        test = data.test
        tokenizer = load_tokenizer(MODEL)
        model = load_prompt_lm(args.method, run_dir, MODEL).to(device)
        content_free = content_free_prompt(pattern.template)
        if args.method in ICL_METHODS:
            context = params.train.icl.max_tokens or model.config.max_position_embeddings
            longest_label = max(map(len, label_token_ids(tokenizer, pattern.label_words)))
            prompt_ids, calibration_ids, kept = icl_prompt_ids(
                tokenizer, data, trained["demonstrations"], content_free, context - longest_label
            )
            extra = {"demonstrations_kept_mean": round(sum(kept) / len(kept), 3)}
        else:
            prompt_ids = tokenizer(test["prompt"].tolist(), add_special_tokens=False)["input_ids"]
            calibration_ids = tokenizer(content_free, add_special_tokens=False)["input_ids"]
        readings, generations, eval_tokens = evaluation.predict_lm(
            model,
            tokenizer,
            prompt_ids,
            calibration_ids,
            pattern.label_words,
            params.eval,
            device,
            dtype,
            generate=args.method in params.eval.generation_methods,
        )
    seconds = time.perf_counter() - start
    cost = {
        "trainable_parameters": trained["trainable_parameters"],
        "train_steps": trained["steps"],
        "chosen_step": trained.get("chosen_step"),
        "train_tokens": trained.get("train_tokens"),
        "train_seconds": trained["train_seconds"],
        "train_peak_memory_mib": trained.get("peak_memory_mib"),
        "eval_tokens": eval_tokens,
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
                **vars(args),  # the run's identity: method, pattern, size, seed
                "cost": cost,
                **extra,
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
