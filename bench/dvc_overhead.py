"""DVC's own cost for a pipeline layout: stages, first `dvc repro`, `dvc status`, no-op `dvc repro`.

Every stage's command is replaced by a stub that only writes the stage's outputs, so what is timed
is DVC's bookkeeping (hashing, params, lock writes, process starts), not training:

    python bench/dvc_overhead.py                        # this checkout's dvc.yaml and params.yaml
    python bench/dvc_overhead.py --preset presets/smollm2_cpu.sh
    python bench/dvc_overhead.py --git-ref fd4a68a      # the layout at another commit
    python bench/dvc_overhead.py --first-repro          # also time a real first `dvc repro`

--preset applies the preset's `-S key=value` overrides to params.yaml (as `dvc exp run -S` would).
Without --first-repro the up-to-date state is built by running the stubs in graph order and
writing every stage's lock entry in one dump: DVC's own first repro rewrites the whole dvc.lock
after each stage, which is quadratic in the number of stages (hours for ~500 stubbed stages).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from promptworth.tooling.stand_in_dvc import apply_settings, run_with_stand_in_dvc, settings_of

ROOT = Path(__file__).resolve().parents[1]
STUB = '''"""Write each named output (a folder gets the files later stages depend on inside it)."""
import json, sys
from pathlib import Path

inside = json.loads(Path("stub_files.json").read_text())
for out in sys.argv[1:]:
    path = Path(out)
    files = inside.get(out)
    if files is not None or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        for f in files or [str(path / "stub.txt")]:
            Path(f).parent.mkdir(parents=True, exist_ok=True)
            Path(f).write_text(f)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
'''


def git_show(ref: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def preset_settings(preset: Path) -> list[str]:
    """The `-S key=value` settings a preset passes to `dvc exp run`, its shared helpers'
    included (run with a stand-in dvc: no hub check, any existing file as its data)."""
    env = dict(os.environ, PROMPTWORTH_SKIP_HUB_CHECK="1")
    env.update(AG_NEWS_TRAIN=str(preset.resolve()), AG_NEWS_TEST=str(preset.resolve()))
    with tempfile.TemporaryDirectory() as tmp:
        done, args = run_with_stand_in_dvc(preset, Path(tmp), env)
    if args is None:
        raise SystemExit(f"error: {preset} did not reach dvc: {done.stderr.strip()}")
    return settings_of(args)


def stub_outputs(spec: dict) -> list[str]:
    outs = []
    for key in ("outs", "metrics", "plots"):
        for entry in spec.get(key, []):
            outs.append(next(iter(entry)) if isinstance(entry, dict) else entry)
    return outs


def build(work: Path, dvc_yaml: str, params: dict, ref: str | None) -> None:
    pipeline = yaml.safe_load(dvc_yaml)
    for spec in pipeline["stages"].values():
        spec["cmd"] = " ".join(["python stub.py", *map(shlex.quote, stub_outputs(spec))])
    pipeline.pop("plots", None)
    (work / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    (work / "stub.py").write_text(STUB)
    folders = [f for f in ("pipeline", "src", "presets", "bench") if (ROOT / f).is_dir()]
    if ref:  # the code stages depend on, as it was at that commit
        archive = subprocess.run(
            ["git", "archive", ref, *folders], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    else:
        for folder in folders:
            shutil.copytree(ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pyc*"))
    for name in (".dvcignore",):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, work / name)
    run(["git", "init", "-q"], work)
    run([sys.executable, "-m", "dvc", "init", "-q"], work)
    run([sys.executable, "-m", "dvc", "config", "core.analytics", "false"], work)
    # Which files inside a stage's output folder later stages depend on (resolved matrices).
    from dvc.repo import Repo

    with Repo(str(work)) as repo:
        stages = list(repo.index.stages)
        outs = {str(o.def_path) for s in stages for o in s.outs}
        inside: dict[str, list[str]] = {}
        for s in stages:
            for d in s.deps:
                path = str(d.def_path)
                parent = next((o for o in outs if path.startswith(o + "/")), None)
                if parent is not None:
                    inside.setdefault(parent, []).append(path)
    (work / "stub_files.json").write_text(
        json.dumps({k: sorted(set(v)) for k, v in inside.items()})
    )
    print(f"stages: {len(stages)}")


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--git-ref", help="take dvc.yaml, params.yaml and presets from this commit")
    parser.add_argument("--preset", type=Path, help="apply this preset's -S overrides")
    parser.add_argument("--set", action="append", default=[], help="key=value, as dvc exp run -S")
    parser.add_argument("--keep", type=Path, help="build the stub repository here and keep it")
    parser.add_argument(
        "--first-repro", action="store_true", help="reach the up-to-date state by `dvc repro`"
    )
    args = parser.parse_args()
    if args.git_ref:
        dvc_yaml, params = git_show(args.git_ref, "dvc.yaml"), git_show(args.git_ref, "params.yaml")
    else:
        dvc_yaml, params = (ROOT / "dvc.yaml").read_text(), (ROOT / "params.yaml").read_text()
    params = yaml.safe_load(params)
    if args.preset is not None:
        preset = args.preset
        if args.git_ref:
            copy = Path(tempfile.mkdtemp()) / "presets"
            copy.mkdir()
            for name in {args.preset.name, "common.sh"}:  # the preset sources common.sh
                # a commit from before presets shared common.sh has none
                with contextlib.suppress(subprocess.CalledProcessError):
                    (copy / name).write_text(git_show(args.git_ref, f"presets/{name}"))
            preset = copy / args.preset.name
        params = apply_settings(params, preset_settings(preset))
    params = apply_settings(params, args.set)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.keep is not None:
            work = args.keep.resolve()
            work.mkdir(parents=True)
        build(work, dvc_yaml, params, args.git_ref)
        dvc = [sys.executable, "-m", "dvc"]
        print(f"dvc status (nothing run yet): {run([*dvc, 'status'], work):.1f} s")
        if args.first_repro:
            print(f"first dvc repro (stubs): {run([*dvc, 'repro'], work):.1f} s")
        else:
            print(f"stubs run and committed in one lock write: {commit_all(work):.1f} s")
        print(f"dvc status (up to date): {run([*dvc, 'status'], work):.1f} s")
        print(f"no-op dvc repro:         {run([*dvc, 'repro'], work):.1f} s")
        print_dag(work)


def commit_all(work: Path) -> float:
    """Run every stub in graph order, then save, commit and lock every stage in one dump."""
    import networkx as nx
    from dvc.repo import Repo

    start, here = time.perf_counter(), os.getcwd()
    os.chdir(work)  # DVC resolves stage paths against the working directory
    try:
        with Repo(".") as repo, repo.lock:
            graph = repo.index.graph  # an edge goes from a stage to a stage it depends on
            stages = list(reversed(list(nx.topological_sort(graph))))
            for stage in stages:
                subprocess.run(stage.cmd, shell=True, check=True)
            for stage in stages:
                stage.save()
                stage.commit()
            stages[0].dvcfile._lockfile.dump_stages(stages)
    finally:
        os.chdir(here)
    return time.perf_counter() - start


def print_dag(work: Path) -> None:
    dag = subprocess.run(
        [sys.executable, "-m", "dvc", "dag"], cwd=work, capture_output=True, text=True
    ).stdout
    longest = max((len(line) for line in dag.splitlines()), default=0)
    print(f"dvc dag: {len(dag):,} characters, longest line {longest:,}")


if __name__ == "__main__":
    main()
