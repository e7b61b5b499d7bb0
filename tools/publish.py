"""Publish a finished run's answer into this checkout, and check that published answers still
match the code.

    python tools/publish.py copy WORKSPACE NAME --task "TREC-10" \
        --model "SmolLM2-135M-Instruct" --protocol protocols/trec10_smollm2.md \
        --command "bash presets/offline/trec10.sh" [--headline] [--convergence CHECK.json]
    python tools/publish.py check

`copy` refuses a workspace whose dvc.lock recorded code that differs from this checkout's (one
line per file), then copies the lock, the params, the report's outputs and every run's test
predictions (data/eval/<run>/: predictions.csv, metrics.json; megabytes) into published/NAME/
with publication.json (task, model, classes, protocol, command, the workspace's
commit); `--headline` also makes them this checkout's top-level dvc.lock, metrics/ and reports/
(the answer the README leads with, what `dvc metrics diff` compares); the top-level params.yaml
stays the project's defaults, the run's own is in published/NAME/params.yaml. `--convergence`:
protocol v2's check at the grid's largest size (`tools/convergence.py --json`), published as
published/NAME/convergence.json and required once the grid has stopped. `check` lists every
published answer and whether its lock still matches the code (exit 1 if one does not): a code
change that touches a stage's files makes its published numbers stale until it is republished.
Then `python tools/results.py` writes the tables.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from promptworth.core.paths import SUMMARY
from promptworth.tooling.published import (
    CONVERGENCE_FILE,
    PUBLISHED_FILES,
    convergence_problems,
    label_count,
    lock_mismatches,
    read_convergence,
)

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "published"


def tracked_files() -> set[str]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(out.splitlines())


def copy(args: argparse.Namespace) -> None:
    workspace = args.workspace.resolve()
    missing = [f for f in PUBLISHED_FILES if not (workspace / f).is_file()]
    missing += [] if (workspace / "data/eval").is_dir() else ["data/eval/"]
    if missing:
        sys.exit(f"error: {workspace} lacks {', '.join(missing)}: has its report stage run?")
    problems = lock_mismatches(workspace / "dvc.lock", ROOT, tracked_files())
    if problems:
        sys.exit(
            f"error: {workspace}/dvc.lock recorded code that differs from this checkout "
            f"({len(problems)} files); rerun there on this code, or publish from a checkout of "
            "its commit:\n  " + "\n  ".join(problems)
        )
    summary = json.loads((workspace / SUMMARY).read_text())
    check = json.loads(args.convergence.read_text()) if args.convergence else None
    problems = convergence_problems(check, summary)
    if problems:
        sys.exit(f"error: {workspace}: " + "; ".join(problems) + " (tools/convergence.py --json)")
    target = PUBLISHED / args.name
    if (target / "eval").exists():  # a republication replaces every run's predictions
        shutil.rmtree(target / "eval")
    shutil.copytree(workspace / "data/eval", target / "eval")
    for name in PUBLISHED_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(workspace / name, target / name)
        if args.headline and name != "params.yaml":  # the top-level params stay the defaults
            (ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(workspace / name, ROOT / name)
    if check is not None:
        (target / CONVERGENCE_FILE).write_text(json.dumps(check, indent=1) + "\n")
    else:  # a republication without a check drops the last one's
        (target / CONVERGENCE_FILE).unlink(missing_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=workspace, capture_output=True, text=True
    ).stdout.strip()
    params = yaml.safe_load((workspace / "params.yaml").read_text())
    record = {
        "task": args.task,
        "model": args.model,
        "classes": label_count(params),
        "protocol": args.protocol,
        "command": args.command,
        "code_commit": commit or None,
        "headline": bool(args.headline),
    }
    (target / "publication.json").write_text(json.dumps(record, indent=1) + "\n")
    runs = len(list((target / "eval").glob("*/predictions.csv")))
    print(
        f"published {args.name}: {len(PUBLISHED_FILES)} files and {runs} runs' predictions "
        f"from {workspace} (code {commit})"
    )


def check(_: argparse.Namespace) -> None:
    tracked = tracked_files()
    stale = 0
    locks = sorted(PUBLISHED.glob("*/dvc.lock"))
    if not locks:
        print("nothing published under published/")
    for lock in locks:
        problems = lock_mismatches(lock, ROOT, tracked)
        state = "matches the code" if not problems else f"STALE ({len(problems)} files changed)"
        summary = json.loads((lock.parent / SUMMARY).read_text())
        unchecked = convergence_problems(read_convergence(lock.parent), summary)
        if unchecked:
            state += "; INCOMPLETE (convergence check)"
        stale += bool(problems or unchecked)
        print(f"{lock.parent.name}: {state}")
        for line in problems[:10] + unchecked:
            print(f"  {line}")
    sys.exit(1 if stale else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    put = sub.add_parser("copy", help="copy a finished workspace's answer into published/NAME")
    put.add_argument("workspace", type=Path)
    put.add_argument("name", help="folder under published/, e.g. trec10_smollm2")
    put.add_argument("--task", required=True)
    put.add_argument("--model", required=True)
    put.add_argument("--protocol", required=True, help="the protocol file the run kept to")
    put.add_argument("--command", required=True, help="the command that produced it")
    put.add_argument("--headline", action="store_true", help="also the top-level answer")
    put.add_argument(
        "--convergence",
        type=Path,
        help="the grid's convergence check (tools/convergence.py --json)",
    )
    put.set_defaults(run=copy)
    sub.add_parser("check", help="does every published lock match the code?").set_defaults(
        run=check
    )
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
