"""How long each stage script takes to start: its imports, before it reads a parameter.

    python bench/stage_starts.py                 # every stage in dvc.yaml, best of 3
    python bench/stage_starts.py --repeat 5 --json out.json

Each stage script is loaded in a fresh interpreter as a module (not as __main__, so its main()
does not run), then every promptworth module dvc.yaml lists as its code deps (what it imports at
some point, inside functions too; a run family's `${item.method}` is the first method of its
grid in params.yaml): the seconds are those imports, the cost every run of the stage pays
before any work. Third-party packages imported inside a function are not counted until
called. Also counted: the modules it loads and which heavy packages are among them.
tests/test_startup.py holds each stage to a budget of loaded modules (deterministic, unlike
seconds); docs/performance.md keeps the seconds, with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "datasets", "peft", "pandas", "matplotlib", "bert_score")

PROBE = """
import importlib.util, json, sys, time
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("stage_script", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
for name in json.loads(sys.argv[2]):
    importlib.import_module(name)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "modules": len(sys.modules),
                  "heavy": [h for h in sys.argv[3:] if h in sys.modules]}))
"""


def stage_modules() -> dict[str, tuple[str, list[str]]]:
    """Each stage's script and the promptworth modules of its code deps in dvc.yaml."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    grid = yaml.safe_load((ROOT / "params.yaml").read_text())["grid"]
    found = {}
    for name, stage in stages.items():
        match = re.search(r"python (pipeline/\S+\.py)", stage["cmd"])
        if not match:
            continue
        family = grid.get(name.removeprefix("run_"), {})
        method = (family.get("methods") or [""])[0]
        modules = [
            ".".join(Path(d.replace("${item.method}", method)).with_suffix("").parts[1:])
            for d in stage.get("deps", [])
            if d.startswith("src/") and d.endswith(".py")
        ]
        found[name] = (match.group(1), modules)
    return found


def measure(script: str, modules: list[str]) -> dict:
    """Imports of `script` and `modules` in a fresh interpreter: seconds, modules loaded, and
    which heavy packages."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / script), json.dumps(modules), *HEAVY],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per script (best kept)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = {}
    print(f"| stage | script | import s (best of {args.repeat}) | modules | heavy packages |")
    print("|---|---|---|---|---|")
    for stage, (script, modules) in stage_modules().items():
        runs = [measure(script, modules) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        rows[stage] = {"script": script, **best}
        print(f"| {stage} | {script} | {best['seconds']:.2f} | {best['modules']} | "
              f"{', '.join(best['heavy']) or '-'} |")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
