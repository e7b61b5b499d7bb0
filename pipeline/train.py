"""Stage families `train_head` and `train_prompt`: fine-tune one run and save it.

Writes data/runs/<run>/ (the checkpoint: the head, the LM, or only the adapters, as the method
table says; train.json: planned and chosen steps, examples seen, tokens, trainable parameters,
the loss and dev accuracy of every step) and data/logs/train/<run>/ (DVCLive curves, wall time,
memory). With train.num_processes > 1, LM-training methods re-launch this script under
`accelerate launch` (DDP) and the launched processes do the work.
"""

import argparse

from promptworth.config.methods import METHODS, Run
from promptworth.core.cli import run_stage


def parse_args() -> argparse.Namespace:
    trained = [name for name, m in METHODS.items() if m.is_trained]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, choices=trained)
    parser.add_argument("--pattern", help="a name in format.patterns (prompt family only)")
    parser.add_argument("--size", required=True, type=int, help="training points (nested subset)")
    parser.add_argument("--seed", required=True, type=int, help="data and training seed")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run = Run(args.method, args.pattern, args.size, args.seed)
    from promptworth.config.params import load_params
    from promptworth.core.distributed import is_launched, make_accelerator, relaunch
    from promptworth.methods.registry import behaviour
    from promptworth.methods.train_run import train_run

    params = load_params()
    processes = params.train.num_processes
    # DDP pays off for the methods that run the LM in every step; a frozen head trains a linear
    # layer on cached features, in one process.
    if processes > 1 and behaviour(run).distributes and not is_launched():
        relaunch(processes)  # the launched processes do the work and write the outputs
        return
    train_run(run, params, make_accelerator())


if __name__ == "__main__":
    run_stage(main)
