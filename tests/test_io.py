import pytest

from promptworth.core.io import atomic_path, read_json, write_json


def test_atomic_write_leaves_nothing_after_a_crash(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text('{"half": ')
        raise RuntimeError("crash mid-write")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_directory_replaces_old_one(tmp_path):
    target = tmp_path / "run"
    target.mkdir()
    (target / "stale").write_text("old")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new").write_text("x")
    assert [p.name for p in target.iterdir()] == ["new"]


def test_json_round_trip_and_missing_file_message(tmp_path):
    write_json(tmp_path / "a.json", {"x": 1})
    assert read_json(tmp_path / "a.json") == {"x": 1}
    with pytest.raises(FileNotFoundError, match="did its stage run"):
        read_json(tmp_path / "b.json")


def test_package_paths_resolve_inside_installed_packages():
    import pytest as pkg

    from promptworth.core.io import resolve_package_path

    resolved = resolve_package_path("pkg://pytest/__init__.py")
    assert resolved.endswith("__init__.py") and pkg.__file__.startswith(
        resolved[: -len("__init__.py")]
    )
    assert resolve_package_path("gpt2") == "gpt2"
    with pytest.raises(FileNotFoundError, match="'no_such_pkg' is not installed"):
        resolve_package_path("pkg://no_such_pkg/model.gguf")


def test_leftovers_of_a_killed_write_are_removed_by_the_next_write(tmp_path):
    import os

    target = tmp_path / "run"
    leftover = tmp_path / ".run.tmp-999999999-abc123"  # what a SIGKILL mid-write leaves behind
    (leftover / "run").mkdir(parents=True)
    dead = tmp_path / ".other.tmp-999999999-x"  # another output's, its writer dead
    dead.mkdir()
    live = tmp_path / f".busy.tmp-{os.getppid()}-y"  # another output, its writer alive
    live.mkdir()
    with atomic_path(target) as tmp:
        tmp.mkdir()
    assert not leftover.exists() and not dead.exists() and live.exists() and target.is_dir()


def test_dvcignore_hides_temporary_folders():
    from pathlib import Path

    patterns = (Path(__file__).parents[1] / ".dvcignore").read_text().split()
    assert ".*.tmp-*" in patterns
