import pytest

from promptworth.io import atomic_path, read_json, write_json


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

    from promptworth.io import resolve_package_path

    resolved = resolve_package_path("pkg://pytest/__init__.py")
    assert resolved.endswith("__init__.py") and pkg.__file__.startswith(
        resolved[: -len("__init__.py")]
    )
    assert resolve_package_path("gpt2") == "gpt2"
    with pytest.raises(FileNotFoundError, match="'no_such_pkg' is not installed"):
        resolve_package_path("pkg://no_such_pkg/model.gguf")
