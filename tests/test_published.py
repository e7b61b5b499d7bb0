"""A published answer's dvc.lock against the code (tooling/published.py, tools/publish.py)."""

import yaml

from promptworth.tooling.published import code_deps, file_md5, label_count, lock_mismatches


def write_lock(path, stages):
    path.write_text(yaml.safe_dump({"schema": "2.0", "stages": stages}))


def dep(path, md5):
    return {"path": path, "hash": "md5", "md5": md5, "size": 1}


def test_a_lock_matches_until_a_tracked_file_it_read_changes(tmp_path):
    (tmp_path / "src").mkdir()
    code = tmp_path / "src/train.py"
    code.write_text("steps = 30\n")
    lock = tmp_path / "dvc.lock"
    stages = {
        "download": {"deps": [], "outs": [dep("data/raw", "abc.dir")]},
        "train": {
            "deps": [dep("src/train.py", file_md5(code)), dep("data/raw/x.csv", "abc")],
            "outs": [dep("data/runs/a", "def.dir")],
        },
        "report": {"deps": [dep("src/train.py", file_md5(code)), dep("data/runs", "0.dir")]},
    }
    write_lock(lock, stages)
    tracked = {"src/train.py"}  # data/raw is the run's own output: never compared
    assert lock_mismatches(lock, tmp_path, tracked) == []
    code.write_text("steps = 31\n")
    [problem] = lock_mismatches(lock, tmp_path, tracked)
    assert problem.startswith("src/train.py: changed since the run")
    # a file the run read that git does not track here (moved, deleted) is stale too
    expected = ["src/train.py: read by the run, not tracked here"]
    assert lock_mismatches(lock, tmp_path, set()) == expected
    code.unlink()
    assert lock_mismatches(lock, tmp_path, tracked) == expected


def test_a_lock_that_recorded_a_file_twice_matches_only_if_both_are_this_file(tmp_path):
    (tmp_path / "x.py").write_text("a\n")
    now = file_md5(tmp_path / "x.py")
    stages = {"a": {"deps": [dep("x.py", now)]}, "b": {"deps": [dep("x.py", "2" * 32)]}}
    assert code_deps({"stages": stages}) == {"x.py": {now, "2" * 32}}
    write_lock(tmp_path / "dvc.lock", stages)
    [problem] = lock_mismatches(tmp_path / "dvc.lock", tmp_path, {"x.py"})
    assert problem == "x.py: changed since the run (md5 22222222 in the lock)"


def test_label_count_reads_the_reported_pattern():
    params = {
        "format": {
            "patterns": {
                "instruct": {"label_words": [" a", " b", " c", " d"]},
                "trec": {"label_words": [" a", " b", " c", " d", " e", " f"]},
            }
        },
        "report": {"main_pattern": "trec"},
    }
    assert label_count(params) == 6
    params["report"]["main_pattern"] = None
    assert label_count(params) == 4
