"""Stage families `run_head`, `run_prompt`, `run_icl_zero` and `run_icl_few`: one run, start to
end: train it (if its method trains), then score it on the test rows.

Writes data/runs/<run>/ (train.json; scores.csv and scores.json, which the `read` stage turns
into predictions and metrics; the checkpoint only with train.keep_checkpoint) and
data/logs/runs/<run>/ (DVCLive curves, wall time, memory). With train.num_processes > 1,
LM-training methods re-launch this script under `accelerate launch` (DDP): every process
trains its shard, the main one scores and writes.
"""

import argparse

from promptworth.config.methods import Run, method_names
from promptworth.core.cli import run_stage


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=method_names())
    parser.add_argument("--pattern", help="a name in format.patterns (not for heads)")
    parser.add_argument("--size", type=int, help="training points (not for icl_zero)")
    parser.add_argument("--seed", type=int, help="data and training seed (not for icl_zero)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run = Run(args.method, args.pattern, args.size, args.seed)
    # Imported here, after argument parsing: `--help` and a bad argument answer at once.
    from promptworth.config.params import load_params
    from promptworth.core.distributed import is_launched, make_accelerator, relaunch
    from promptworth.methods.one_run import run_one
    from promptworth.methods.registry import behaviour

    params = load_params()
    processes = params.train.num_processes
    # DDP pays off for the methods that run the LM in every step; a frozen head trains a linear
    # layer on cached features, in one process.
    if processes > 1 and behaviour(run).distributes and not is_launched():
        relaunch(processes)  # the launched processes do the work and write the outputs
        return
    run_one(run, params, make_accelerator())


if __name__ == "__main__":
    run_stage(main)
