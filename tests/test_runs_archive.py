"""tools/runs_archive.py on a made-up DVC cache (no dvc run): `pack --run` keeps only the named
runs' entries and files, and a name that matches nothing is an error naming it; `keep` writes one
archive per saved run, once, a run that trains again under other params as a second archive
of its new entry only, passes over a run it cannot pack, and over entries that archives in a
folder beside its own hold (a pilot's)."""

import json
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.tools import load_tool


def write_object(cache: Path, md5: str, text: str) -> None:
    """A cached file (or directory listing) where DVC 3 keeps it."""
    path = cache / "files" / "md5" / md5[:2] / md5[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fake_outputs(cache: Path, key: str, run: str) -> list[dict]:
    """A run's two outputs (a scores folder and a log folder), each a listing of one file, in the
    cache; `key` (3 characters) makes their md5s unique."""
    outs = []
    for j, prefix in enumerate(["data/runs/", "data/logs/runs/"]):
        file_md5, dir_md5 = f"{key}{j}f" + "0" * 28, f"{key}{j}d" + "0" * 28 + ".dir"
        write_object(cache, file_md5, f"{run} {prefix}")
        write_object(cache, dir_md5, json.dumps([{"md5": file_md5, "relpath": "scores.json"}]))
        outs.append({"path": prefix + run, "md5": dir_md5})
    return outs


def train_again(cache: Path, run: str, key: str, entry_name: str) -> Path:
    """A second run-cache entry for `run` (the same stage trained under other params: the
    convergence check's doubled steps), beside its first, with new output files; its path."""
    first = next(p for p in (cache / "runs").glob("*/*/*") if run in p.read_text())
    entry = first.parent / entry_name
    outs = fake_outputs(cache, key, run)
    entry.write_text(yaml.safe_dump({"cmd": "python pipeline/run.py", "outs": outs}))
    return entry


def fake_cache(root: Path, runs: list[str]) -> Path:
    """A DVC 3 cache with one run-cache entry per run (a scores folder and a log folder) and one
    entry of a shared stage (data/features), which no pack takes."""
    cache = root / ".dvc" / "cache"
    for i, run in enumerate(runs + ["features"]):
        outs = fake_outputs(cache, f"{i:03d}", run)
        if run == "features":
            outs = [{**out, "path": "data/features"} for out in outs]
        entry = cache / "runs" / f"{i:02d}" / f"{i:02d}key" / "value"
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(yaml.safe_dump({"cmd": "python pipeline/run.py", "outs": outs}))
    return cache


def packed_runs(archive: Path) -> set[str]:
    with tarfile.open(archive) as tar:
        entries = [m for m in tar.getmembers() if m.name.startswith("runs/")]
        return {
            yaml.safe_load(tar.extractfile(m).read())["outs"][0]["path"].split("/")[-1]
            for m in entries
        }


@pytest.fixture()
def tool(tmp_path, monkeypatch):
    runs_archive = load_tool("runs_archive")
    monkeypatch.setattr(runs_archive, "cache_dir", lambda repo: repo / ".dvc" / "cache")
    fake_cache(tmp_path, ["head_full-4000-2", "prompt-qtype-4000-0", "prompt-qtype-2000-0"])
    return runs_archive


def test_pack_without_run_takes_every_run_and_no_shared_stage(tool, tmp_path):
    tool.pack(tmp_path, tmp_path / "all.tar.gz", 50.0)
    assert packed_runs(tmp_path / "all.tar.gz") == {
        "head_full-4000-2",
        "prompt-qtype-4000-0",
        "prompt-qtype-2000-0",
    }


def test_pack_run_takes_only_the_matching_runs_and_their_files(tool, tmp_path):
    archive = tmp_path / "one.tar.gz"
    tool.pack(tmp_path, archive, 50.0, ["prompt-*-4000-*"])
    assert packed_runs(archive) == {"prompt-qtype-4000-0"}
    with tarfile.open(archive) as tar:
        texts = [
            tar.extractfile(m).read().decode()
            for m in tar.getmembers()
            if m.name.startswith("files/")
        ]
    assert sorted(t for t in texts if not t.startswith("[")) == [
        "prompt-qtype-4000-0 data/logs/runs/",
        "prompt-qtype-4000-0 data/runs/",
    ]


def test_pack_run_that_matches_nothing_names_the_glob(tool, tmp_path):
    with pytest.raises(SystemExit, match="--run head_full-8000-0"):
        tool.pack(tmp_path, tmp_path / "none.tar.gz", 50.0, ["head_full-8000-0"])
    assert not (tmp_path / "none.tar.gz").exists()


def test_pack_with_a_listing_missing_is_refused_naming_it(tool, tmp_path):
    cache = tmp_path / ".dvc" / "cache"
    entry = next(p for p in (cache / "runs").glob("*/*/*") if "head_full-4000-2" in p.read_text())
    listing = yaml.safe_load(entry.read_text())["outs"][0]["md5"]
    (cache / "files" / "md5" / listing[:2] / listing[2:]).unlink()
    with pytest.raises(SystemExit, match=f"cached files are missing.*{listing[2:]}"):
        tool.pack(tmp_path, tmp_path / "broken.tar.gz", 50.0, ["head_full-4000-2"])
    assert not (tmp_path / "broken.tar.gz").exists()


def test_run_name_reads_both_output_folders(tool):
    assert tool.run_name("data/runs/head_full-10-0") == "head_full-10-0"
    assert tool.run_name("data/logs/runs/prompt-qtype-10-1/train.log") == "prompt-qtype-10-1"
    with pytest.raises(ValueError, match="data/features"):
        tool.run_name("data/features")


def test_keep_packs_each_whole_run_once_and_skips_one_dvc_is_still_saving(tool, tmp_path):
    cache = tmp_path / ".dvc" / "cache"
    kept = tmp_path / "kept"
    # prompt-qtype-2000-0's log folder listing not saved yet: DVC is still writing that run.
    entry = next(
        p for p in (cache / "runs").glob("*/*/*") if "prompt-qtype-2000-0" in p.read_text()
    )
    listing = yaml.safe_load(entry.read_text())["outs"][1]["md5"]
    unsaved = cache / "files" / "md5" / listing[:2] / listing[2:]
    text = unsaved.read_text()
    unsaved.unlink()
    assert tool.keep(tmp_path, kept, 50.0) == ["head_full-4000-2", "prompt-qtype-4000-0"]
    first = (kept / "head_full-4000-2.tar.gz").stat().st_mtime_ns
    unsaved.write_text(text)
    assert tool.keep(tmp_path, kept, 50.0) == ["prompt-qtype-2000-0"]
    assert tool.keep(tmp_path, kept, 50.0) == []
    assert (kept / "head_full-4000-2.tar.gz").stat().st_mtime_ns == first
    assert packed_runs(kept / "prompt-qtype-2000-0.tar.gz") == {"prompt-qtype-2000-0"}


def test_keep_says_a_refused_run_once_and_keeps_the_rest(tool, tmp_path, capsys):
    cache = tmp_path / ".dvc" / "cache"
    entry = next(p for p in (cache / "runs").glob("*/*/*") if "head_full-4000-2" in p.read_text())
    listing = yaml.safe_load(entry.read_text())["outs"][0]["md5"]
    files = json.loads((cache / "files" / "md5" / listing[:2] / listing[2:]).read_text())
    weights = cache / "files" / "md5" / files[0]["md5"][:2] / files[0]["md5"][2:]
    weights.write_bytes(b"0" * 2**20)  # a kept checkpoint, over a 0.5 MB limit
    refused: set[str] = set()
    kept = tmp_path / "kept"
    assert tool.keep(tmp_path, kept, 0.5, refused) == ["prompt-qtype-2000-0", "prompt-qtype-4000-0"]
    assert refused == {"head_full-4000-2"}
    assert "head_full-4000-2 not kept" in capsys.readouterr().err
    assert tool.keep(tmp_path, kept, 0.5, refused) == []
    assert "not kept" not in capsys.readouterr().err
    assert not (kept / "head_full-4000-2.tar.gz").exists()


def test_keep_writes_a_second_archive_when_a_run_trains_again_under_other_params(tool, tmp_path):
    cache = tmp_path / ".dvc" / "cache"
    kept = tmp_path / "kept"
    tool.keep(tmp_path, kept, 50.0)
    # head_full-4000-2 again at twice the epochs (the convergence check): the same run name, a
    # new run-cache entry whose outputs are new files.
    second = train_again(cache, "head_full-4000-2", "999", "doubled12epochs")
    assert tool.keep(tmp_path, kept, 50.0) == ["head_full-4000-2+doubled1"]
    with tarfile.open(kept / "head_full-4000-2+doubled1.tar.gz") as tar:
        names = tar.getnames()
    assert [n for n in names if n.startswith("runs/")] == [second.relative_to(cache).as_posix()]
    assert sum(n.startswith("files/") for n in names) == 4  # its two listings and two files
    assert tool.keep(tmp_path, kept, 50.0) == []
    assert sorted(p.name for p in kept.glob("head_full-4000-2*")) == [
        "head_full-4000-2+doubled1.tar.gz",
        "head_full-4000-2.tar.gz",
    ]


def test_keep_names_an_entry_in_full_when_its_first_8_characters_are_taken(tool, tmp_path):
    cache = tmp_path / ".dvc" / "cache"
    kept = tmp_path / "kept"
    tool.keep(tmp_path, kept, 50.0)
    entries = []
    for key, name in [("998", "doubled12epochs"), ("999", "doubled1later")]:
        entries.append(train_again(cache, "head_full-4000-2", key, name))
        tool.keep(tmp_path, kept, 50.0)
    # the second new entry shares "doubled1" with the first: it takes its whole name, and the
    # first archive is not rewritten.
    assert sorted(p.name for p in kept.glob("head_full-4000-2+*")) == [
        "head_full-4000-2+doubled1.tar.gz",
        "head_full-4000-2+doubled1later.tar.gz",
    ]
    with tarfile.open(kept / "head_full-4000-2+doubled1.tar.gz") as tar:
        assert [n for n in tar.getnames() if n.startswith("runs/")] == [
            entries[0].relative_to(cache).as_posix()
        ]


def test_keep_passes_over_entries_a_folder_beside_it_holds(tool, tmp_path):
    # A grid workspace that unpacked its task's pilot archives holds the pilot's entries under
    # the grid's run names: the grid's watch must not pack them again as the grid's runs.
    cache = tmp_path / ".dvc" / "cache"
    runs = tmp_path / "runs"
    assert tool.keep(tmp_path, runs / "task_pilot", 50.0) == [
        "head_full-4000-2",
        "prompt-qtype-2000-0",
        "prompt-qtype-4000-0",
    ]
    (runs / "other").mkdir()
    (runs / "other" / "notes.tar.gz").write_text("not an archive")  # holds nothing, stops nothing
    assert tool.keep(tmp_path, runs / "task", 50.0) == []
    # the grid's own run of the same name, a new entry: kept as the run's first archive
    grid = train_again(cache, "head_full-4000-2", "999", "gridentry")
    assert tool.keep(tmp_path, runs / "task", 50.0) == ["head_full-4000-2"]
    with tarfile.open(runs / "task" / "head_full-4000-2.tar.gz") as tar:
        assert [n for n in tar.getnames() if n.startswith("runs/")] == [
            grid.relative_to(cache).as_posix()
        ]
