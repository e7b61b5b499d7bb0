"""The machine at hand: which device, how many threads, and whether bf16 is worth turning on.

bf16 autocast on a CPU is fast only where the CPU computes bf16 natively (AVX-512 BF16 or AMX):
there the no-grad passes ran 1.8-2x faster than float32 (bench/bench_bf16.py); on a CPU without
it (AVX2 only, most laptops) torch emulates bf16 and the same pass ran about 5x *slower* (a
forward of SmolLM2-135M on 32 x 64 tokens: 71-75 s against 14-17 s, 2-core AMD EPYC with AVX2).
So `train.cpu_bf16` / `eval.cpu_bf16` take `auto`: bf16 where native, float32 elsewhere. Every
stage prints one line saying what it chose and why, so a slow run explains itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

# What train.cpu_bf16 / eval.cpu_bf16 accept.
CPU_BF16_CHOICES = ("auto", True, False)
# The slowdown measured where bf16 is emulated (see the module docstring), said in the warning.
EMULATED_BF16_SLOWDOWN = "about 5x slower than float32 (measured on a 2-core AMD EPYC with AVX2)"


def cpu_has_native_bf16() -> bool:
    """True where the CPU has bf16 instructions torch uses (AVX-512 BF16 or AMX tiles)."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def cpu_name() -> str:
    """The CPU's model name (lscpu's), or the architecture where /proc/cpuinfo has none."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    import platform

    return platform.processor() or platform.machine() or "unknown CPU"


def machine_name(device: torch.device) -> str:
    """What a run ran on, for its cost record: the card's name, or the CPU's and its threads."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{cpu_name()}, {torch.get_num_threads()} threads"


def available_memory_gib() -> float | None:
    """Memory the kernel says is available to a new allocation (Linux), in GiB."""
    meminfo = Path("/proc/meminfo")
    if not meminfo.is_file():
        return None
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return None


@dataclass(frozen=True)
class Precision:
    """What a stage computes in on a CPU, and why, in words."""

    bf16: bool
    why: str
    warning: str | None = None


def choose_cpu_bf16(setting: bool | str, native: bool, key: str = "cpu_bf16") -> Precision:
    """Decide bf16 autocast on a CPU from the setting and the CPU's native bf16 support.

    `auto`: bf16 exactly where native. `true`: bf16 anyway, with a warning where emulated.
    `false`: float32. `key` names the setting in the words printed (e.g. `eval.cpu_bf16`)."""
    if setting == "auto":
        if native:
            return Precision(True, f"{key}=auto: this CPU has native bf16")
        return Precision(False, f"{key}=auto: no native bf16 on this CPU")
    if setting is True:
        warning = None
        if not native:
            warning = (
                f"warning: {key}=true on a CPU without native bf16 (no AVX-512 BF16 or AMX): "
                f"bf16 is emulated here, {EMULATED_BF16_SLOWDOWN}; set {key}=auto"
            )
        return Precision(True, f"{key}=true", warning)
    if setting is False:
        return Precision(False, f"{key}=false")
    raise ValueError(f"{key} must be one of {list(CPU_BF16_CHOICES)}, got {setting!r}")


@dataclass(frozen=True)
class Runtime:
    """A stage's device and autocast dtype (None: float32), and the line that says so."""

    device: torch.device
    dtype: torch.dtype | None
    line: str
    warning: str | None = None

    def announce(self) -> None:
        """Print the runtime line (and a warning, if any): a stage's first output."""
        print(self.line, flush=True)
        if self.warning:
            print(self.warning, flush=True)


def _cuda_runtime(gpu: int | None) -> tuple[torch.device, torch.dtype | None]:
    # cuDNN's fused attention plans a graph for every new sequence shape (~4 ms of CPU per
    # call, measured on an H100 with gpt2-small); with dynamic padding every batch has a new
    # shape, so use the flash / memory-efficient SDPA kernels instead.
    torch.backends.cuda.enable_cudnn_sdp(False)
    torch.backends.cuda.matmul.allow_tf32 = True  # fp32 matmuls outside autocast
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    device = torch.device("cuda", gpu) if gpu is not None else torch.device("cuda")
    if gpu is not None:
        torch.cuda.set_device(device)
    return device, dtype


def select_runtime(
    gpu: int | None = None,
    cpu_bf16: bool | str = False,
    key: str = "cpu_bf16",
    native_bf16: Callable[[], bool] = cpu_has_native_bf16,
) -> Runtime:
    """CUDA when present (bf16 autocast where the card supports it), else the CPU with the
    precision `choose_cpu_bf16` picks. `gpu` picks a card by index (runtime.gpu)."""
    if torch.cuda.is_available():
        device, dtype = _cuda_runtime(gpu)
        name = torch.cuda.get_device_name(device)
        total = torch.cuda.get_device_properties(device).total_memory / 2**30
        precision = "bf16 autocast (the card supports it)" if dtype else "float32"
        line = f"device {device}: {name}, {total:.0f} GiB; {precision}"
        return Runtime(device, dtype, line)
    precision = choose_cpu_bf16(cpu_bf16, native_bf16(), key)
    memory = available_memory_gib()
    free = f"; {memory:.1f} GiB memory available" if memory is not None else ""
    threads = torch.get_num_threads()
    # What identifies the machine comes before the first ';' (the plan stage's probe cache reads
    # it); what changes from run to run (free memory) comes last.
    line = (
        f"device cpu: {cpu_name()}, {threads} torch thread{'s' if threads != 1 else ''} of "
        f"{os.cpu_count()} cores; "
        f"{'bf16 autocast' if precision.bf16 else 'float32'} ({precision.why}){free}"
    )
    dtype = torch.bfloat16 if precision.bf16 else None
    return Runtime(torch.device("cpu"), dtype, line, precision.warning)


def cpu_bf16_chosen(setting: bool | str) -> bool:
    """Whether a CPU stage on this machine would run in bf16 under `setting`."""
    return choose_cpu_bf16(setting, cpu_has_native_bf16()).bf16


def precision_word(bf16: bool) -> str:
    return "bf16" if bf16 else "fp32"


def process_age_s() -> float:
    """Seconds since this process started (its imports so far), 0.0 where it cannot be read."""
    try:
        import psutil  # a dependency of dvc

        return max(0.0, time.time() - psutil.Process().create_time())
    except Exception:  # noqa: BLE001 - an estimate's input, never worth a failed stage
        return 0.0
