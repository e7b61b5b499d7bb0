"""Several GPUs for one run: the train stage re-launches itself under `accelerate launch` (DDP).

DVC runs `python pipeline/train.py ...`; when train.num_processes > 1 that process starts
`accelerate launch --num_processes N pipeline/train.py ...` and waits, so dvc.yaml stays the same
for one GPU or eight. Each process trains on its shard of every global batch (losses.shard), so
the global batch, and the result in expectation, match one process.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import torch


def is_launched() -> bool:
    """True inside a process started by accelerate launch / torchrun."""
    return "LOCAL_RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def launch_command(num_processes: int, script: str, args: list[str]) -> list[str]:
    """The `accelerate launch` command line for `script args` on `num_processes` processes."""
    mixed = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"
    # --multi_gpu is accelerate's torch.distributed launcher; without GPUs its processes run DDP
    # on the CPU (gloo), which is how the tests check this path. (--cpu would start one process.)
    return [
        sys.executable, "-m", "accelerate.commands.launch",
        "--multi_gpu",
        "--num_machines", "1",
        "--num_processes", str(num_processes),
        "--mixed_precision", mixed,
        script, *args,
    ]  # fmt: skip


def relaunch(num_processes: int) -> None:
    """Run this script again under accelerate launch and wait; raise if it fails."""
    if torch.cuda.is_available() and torch.cuda.device_count() < num_processes:
        raise ValueError(
            f"train.num_processes is {num_processes}, but only {torch.cuda.device_count()} "
            "GPUs are visible"
        )
    subprocess.run(launch_command(num_processes, sys.argv[0], sys.argv[1:]), check=True)


@functools.cache
def make_accelerator():
    """This process's Accelerator (device, rank, collectives): alone, or one of the processes
    `accelerate launch` started. Every training run goes through it, so one process and N
    take the same code path. Placement stays ours (the stage picks runtime.gpu)."""
    from accelerate import Accelerator

    # Without cpu=True, a GPU-less process of a multi-process launch sees itself as alone.
    return Accelerator(cpu=not torch.cuda.is_available(), device_placement=False)
