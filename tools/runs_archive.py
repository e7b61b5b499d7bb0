"""Carry a slice's runs off a machine that cannot reach the DVC remote, as one small archive.

    python tools/runs_archive.py pack slice.tar.gz            # on the offline machine, after
                                                              # `dvc repro` of its slice
    python tools/runs_archive.py unpack slice.tar.gz          # on a connected clone, then
    dvc push --run-cache                                      # share it (or `dvc repro` there)
    python tools/runs_archive.py pack one.tar.gz --run head_full-4000-2   # one run, or a glob:
                                                              # --run 'prompt-*-4000-*'

`--run` (repeatable, a glob over run names: the folder under data/runs/) packs only those runs'
entries. A long grid on a machine that will not last keeps each finished run as its own small
archive as it ends, instead of one archive over everything so far:

    python tools/runs_archive.py keep runs/ --watch 60        # beside `dvc repro`: every minute,
                                                              # runs/<run>.tar.gz for each new run

A run that trains again under other params (a convergence check's doubled steps keep the grid
run's name) is kept beside its first archive as `runs/<run>+<entry>.tar.gz`, its new entry only;
`unpack` every archive of the folder to restore both. An entry that an archive in a folder beside
it holds is not kept again: a task's pilot runs (protocols/runs/<task>_pilot/) share the grid's
run names, and a workspace that unpacked them would otherwise pack them as the grid's.

`pack` takes from this workspace's DVC cache every run-cache entry of a run stage (one whose
outputs are all under data/runs/ and data/logs/runs/) and the cached files those outputs are:
scores, train records, logs; no checkpoint unless train.keep_checkpoint kept one, and no model,
data or features (the gathering machine makes or pulls those itself). It refuses to write an
archive over --max-mb (a kept checkpoint is hundreds of MB). `unpack` merges them into this
workspace's cache: `dvc repro` then restores those runs without training them, exactly as after
`dvc pull --run-cache` (docs/pipeline.md, "Several machines").
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import yaml

RUN_OUTPUTS = ("data/runs/", "data/logs/runs/")


def cache_dir(repo: Path) -> Path:
    """This workspace's DVC cache directory (`dvc cache dir`)."""
    done = subprocess.run(
        [sys.executable, "-m", "dvc", "cache", "dir"], cwd=repo, capture_output=True, text=True
    )
    return Path(done.stdout.strip()) if done.returncode == 0 else repo / ".dvc/cache"


def object_path(cache: Path, md5: str) -> Path:
    """Where DVC 3 keeps an object (a file's, or a directory's listing: md5 ending in .dir)."""
    return cache / "files" / "md5" / md5[:2] / md5[2:]


def run_name(out_path: str) -> str:
    """The run an output belongs to: `data/runs/<run>` or `data/logs/runs/<run>` -> `<run>`."""
    for prefix in RUN_OUTPUTS:
        if out_path.startswith(prefix):
            return out_path[len(prefix) :].split("/")[0]
    raise ValueError(f"{out_path} is not a run's output")


def entry_runs(entry: dict) -> set[str]:
    """The runs a run-cache entry's outputs belong to (one, for a run stage)."""
    return {run_name(out["path"]) for out in entry["outs"]}


def run_entries(cache: Path, runs: list[str] | None = None) -> list[tuple[Path, dict]]:
    """Run-cache entries of run stages: every output under data/runs/ or data/logs/runs/; with
    `runs` (globs over run names), only the entries of runs that match one."""
    found = []
    for path in sorted((cache / "runs").glob("*/*/*")):
        entry = yaml.safe_load(path.read_text()) or {}
        outs = entry.get("outs") or []
        if not outs or not all(o["path"].startswith(RUN_OUTPUTS) for o in outs):
            continue
        if runs is None or any(fnmatch.fnmatchcase(n, g) for n in entry_runs(entry) for g in runs):
            found.append((path, entry))
    return found


def objects_of(cache: Path, entry: dict) -> list[Path]:
    """The cached objects an entry's outputs need: each file, each directory's listing and its
    files. A listing not in the cache (DVC still saving the run, or a lost file) stands for its
    directory: the callers' check that every object is a file then finds it missing."""
    objects = []
    for out in entry["outs"]:
        top = object_path(cache, out["md5"])
        objects.append(top)
        if out["md5"].endswith(".dir") and top.is_file():
            objects += [object_path(cache, f["md5"]) for f in json.loads(top.read_text())]
    return objects


def pack(repo: Path, archive: Path, max_mb: float, runs: list[str] | None = None) -> None:
    cache = cache_dir(repo)
    entries = run_entries(cache, runs)
    if not entries and runs:
        sys.exit(f"error: --run {' '.join(runs)}: no run-cache entry of a run by that name in "
                 f"{cache} (the names are the folders under data/runs/)")  # fmt: skip
    if not entries:
        sys.exit(f"error: no run-cache entry of a run stage in {cache}: run `dvc repro` first")
    write_archive(cache, entries, archive, max_mb)


def write_archive(
    cache: Path, entries: list[tuple[Path, dict]], archive: Path, max_mb: float
) -> None:
    """The entries and the cached files they name, as one archive, written whole or not at all;
    refused (SystemExit) when a file is missing or the whole is over max_mb."""
    files = {p for p, _ in entries}
    for _, entry in entries:
        files.update(objects_of(cache, entry))
    missing = sorted(str(p) for p in files if not p.is_file())
    if missing:
        sys.exit(f"error: {len(missing)} cached files are missing (first: {missing[0]}); "
                 "run `dvc repro` again to rebuild them")  # fmt: skip
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    if size_mb > max_mb:
        biggest = max(files, key=lambda p: p.stat().st_size)
        sys.exit(f"error: the runs take {size_mb:.1f} MB, over --max-mb {max_mb:g} (largest: "
                 f"{biggest}, {biggest.stat().st_size / 2**20:.1f} MB: a kept checkpoint? set "
                 "train.keep_checkpoint false, or raise --max-mb)")  # fmt: skip
    tmp = archive.with_name(archive.name + ".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        for path in sorted(files):
            tar.add(path, arcname=path.relative_to(cache).as_posix())
        manifest = json.dumps({"runs": len(entries), "files": len(files)}).encode()
        info = tarfile.TarInfo("promptworth-runs.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    tmp.replace(archive)  # whole or not at all
    print(f"packed {len(entries)} run-cache entries and {len(files) - len(entries)} cached files "
          f"({size_mb:.1f} MB before compression, {archive.stat().st_size / 2**20:.1f} MB) into "
          f"{archive}")  # fmt: skip


def is_saved(cache: Path, entry: dict) -> bool:
    """Whether DVC has finished saving an entry's outputs: every object they need is in the
    cache (write_archive's check, without its refusal)."""
    return all(p.is_file() for p in objects_of(cache, entry))


_MEMBERS: dict[tuple[str, int], set[str]] = {}  # (archive, mtime) -> its run-cache entries


def archive_entries(archive: Path) -> set[str]:
    """The run-cache entries an archive holds (their paths in the cache), each archive read once
    while it is unchanged: a watch looks every minute."""
    stamp = (str(archive), archive.stat().st_mtime_ns)
    if stamp not in _MEMBERS:
        with tarfile.open(archive) as tar:
            _MEMBERS[stamp] = {n for n in tar.getnames() if n.startswith("runs/")}
    return _MEMBERS[stamp]


def kept_entries(folder: Path, name: str) -> set[str]:
    """The run-cache entries (their paths in the cache: `runs/<..>/<..>/<..>`) that a run's
    archives in `folder` already hold: `<run>.tar.gz` and any later `<run>+<entry>.tar.gz`."""
    held: set[str] = set()
    for archive in [folder / f"{name}.tar.gz", *sorted(folder.glob(f"{name}+*.tar.gz"))]:
        if archive.is_file():
            held |= archive_entries(archive)
    return held


def held_beside(folder: Path) -> set[str]:
    """The run-cache entries that archives in `folder`'s sibling folders hold (e.g. a task's
    pilot archives beside its grid's): a workspace that unpacked them holds their entries under
    the grid's run names, and they are kept already. A neighbour that is no tar archive (some
    other `.tar.gz` beside a `keep runs/` at a workspace's top) holds nothing."""
    held: set[str] = set()
    for archive in sorted(folder.parent.glob("*/*.tar.gz")):
        if archive.parent.resolve() != folder.resolve():
            try:
                held |= archive_entries(archive)
            except (tarfile.TarError, OSError):
                continue
    return held


def keep(repo: Path, folder: Path, max_mb: float, refused: set[str] | None = None) -> list[str]:
    """Pack every run whose entries are saved in the cache and are in no archive in `folder`
    (or in a folder beside it: held_beside) yet: `<run>.tar.gz` for a run's first entries, and
    `<run>+<entry>.tar.gz` (the new ones only) when the same run trains again with other params
    (a convergence check's doubled steps reuses the grid run's name); returns the archives
    written, without `.tar.gz`. An archive is never rewritten. One that pack refuses (over
    max_mb: a kept checkpoint) is said once, added to `refused` and passed over after, so one
    such run does not stop a watch over the rest."""
    refused = set() if refused is None else refused
    cache = cache_dir(repo)
    elsewhere = held_beside(folder)
    by_run: dict[str, list[tuple[Path, dict]]] = {}
    for path, entry in run_entries(cache):
        if path.relative_to(cache).as_posix() in elsewhere:
            continue
        for name in entry_runs(entry):
            by_run.setdefault(name, []).append((path, entry))
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for name, entries in sorted(by_run.items()):
        label = name
        if (folder / f"{name}.tar.gz").exists():
            held = kept_entries(folder, name)
            entries = [(p, e) for p, e in entries if p.relative_to(cache).as_posix() not in held]
            if not entries:
                continue
            label = f"{name}+{entries[0][0].name[:8]}"
            if (folder / f"{label}.tar.gz").exists():  # two entries alike in 8 characters
                label = f"{name}+{entries[0][0].name}"
        if label in refused:
            continue
        if not all(is_saved(cache, entry) for _, entry in entries):
            continue  # DVC is still saving this run: the next look takes it
        try:
            write_archive(cache, entries, folder / f"{label}.tar.gz", max_mb)
        except SystemExit as refusal:
            print(f"{label} not kept: {refusal}", file=sys.stderr)
            refused.add(label)
            continue
        kept.append(label)
    return kept


def unpack(repo: Path, archive: Path) -> None:
    cache = cache_dir(repo)
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name != "promptworth-runs.json"]
        bad = [
            m.name
            for m in members
            if not m.isfile() or not m.name.startswith(("runs/", "files/"))
            or ".." in Path(m.name).parts
        ]  # fmt: skip
        if bad:
            sys.exit(f"error: {archive} is not a runs archive (unexpected member {bad[0]!r})")
        tar.extractall(cache, members=members, filter="data")
    runs = sum(m.name.startswith("runs/") for m in members)
    print(
        f"unpacked {runs} run-cache entries into {cache}; `dvc push --run-cache` shares them, "
        "`dvc repro` here restores those runs without training"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["pack", "unpack", "keep"])
    parser.add_argument("archive", type=Path, help="the archive; for keep, the folder of archives")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the workspace (default .)")
    parser.add_argument("--max-mb", type=float, default=50.0, help="refuse a larger archive")
    parser.add_argument(
        "--run",
        action="append",
        metavar="GLOB",
        help="pack only the runs whose name (the folder under data/runs/) matches; repeatable",
    )
    parser.add_argument(
        "--watch",
        type=float,
        metavar="SECONDS",
        help="keep only: look again every SECONDS until interrupted",
    )
    args = parser.parse_args()
    if args.run and args.action != "pack":
        parser.error("--run is for pack only (unpack merges everything in the archive)")
    if args.watch is not None and args.action != "keep":
        parser.error("--watch is for keep only")
    if args.action == "keep":
        refused: set[str] = set()
        while True:
            keep(args.repo.resolve(), args.archive.resolve(), args.max_mb, refused)
            if args.watch is None:
                break
            time.sleep(args.watch)
    elif args.action == "pack":
        pack(args.repo.resolve(), args.archive.resolve(), args.max_mb, args.run)
    else:
        unpack(args.repo.resolve(), args.archive.resolve())


if __name__ == "__main__":
    main()
