import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promptworth.core.distributed import launch_command
from promptworth.methods.losses import shard

ROOT = Path(__file__).parents[1]


def test_shards_cover_the_global_batch_exactly_once():
    batch = list(range(10))
    shards = [shard(batch, rank, 4) for rank in range(4)]
    assert sorted(i for s in shards for i in s) == batch


def test_a_process_without_examples_repeats_one():
    assert shard([7, 8], 3, 4) == [8]


def test_launch_command_runs_the_same_script_under_accelerate():
    cmd = launch_command(2, "pipeline/run.py", ["--method", "prompt"])
    assert cmd[1:3] == ["-m", "accelerate.commands.launch"]
    assert cmd[cmd.index("--num_processes") + 1] == "2"
    assert cmd[-3:] == ["pipeline/run.py", "--method", "prompt"]


def fewer_gpus_than(processes: int) -> bool:
    """Where CUDA is visible, each launched process takes its own card; without CUDA the
    processes run DDP on the CPU (gloo), which is how this test checks the path anywhere."""
    import torch

    return torch.cuda.is_available() and torch.cuda.device_count() < processes


@pytest.mark.e2e
@pytest.mark.skipif(fewer_gpus_than(2), reason="two processes need two GPUs where CUDA is seen")
def test_two_processes_match_one_with_the_same_global_batch(tiny_model_dir, tmp_path):
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    script = str(ROOT / "tests/ddp_train.py")
    subprocess.run([sys.executable, script, str(tiny_model_dir), str(one)], check=True, env=env)
    cmd = launch_command(2, script, [str(tiny_model_dir), str(two)])
    cmd.insert(cmd.index("--num_processes"), "--main_process_port")
    cmd.insert(cmd.index("--num_processes"), "29517")
    subprocess.run(cmd, check=True, env=env, timeout=300)
    single, ddp = json.loads(one.read_text()), json.loads(two.read_text())
    assert (single["processes"], ddp["processes"]) == (1, 2)
    single, ddp = single["losses"], ddp["losses"]
    assert len(single) == len(ddp) == 6
    # Same global batch, no dropout: equal up to float summation order.
    assert ddp == pytest.approx(single, rel=1e-4)
    assert single[-1] < single[0]
