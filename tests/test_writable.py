"""Before the first job, every directory the run must write into is checked (posart.writable).

The check runs in a subprocess under `unprivileged` (conftest): as root, permission bits
would not bind and every directory would be writable.
"""

import subprocess
import sys

import pytest


def require(paths, unprivileged) -> subprocess.CompletedProcess:
    code = f"from posart import writable; writable.require({[str(p) for p in paths]!r})"
    return subprocess.run([*unprivileged, sys.executable, "-c", code], capture_output=True, text=True)


@pytest.fixture
def tree(tmp_path):
    """results/ with a read-only folder `done` and a writable folder `open`."""
    (tmp_path / "results/done").mkdir(parents=True)
    (tmp_path / "results/open").mkdir()
    (tmp_path / "results/done/a.csv").write_text("a\n")
    (tmp_path / "results/done").chmod(0o555)
    yield tmp_path / "results"
    (tmp_path / "results/done").chmod(0o755)


def test_writable_folders_and_folders_still_to_be_made_pass(tree, unprivileged):
    result = require([tree / "open/b.csv", tree / "new/deeper/c.csv", tree / "d.csv"], unprivileged)
    assert result.returncode == 0, result.stderr


def test_a_read_only_folder_is_named_with_what_was_to_go_there(tree, unprivileged):
    files = [tree / "done/a.csv", tree / "open/b.csv"] + [tree / f"done/x{i}.csv" for i in range(4)]
    result = require(files, unprivileged)
    assert result.returncode != 0 and "UnwritableError: nothing was run" in result.stderr
    assert f"{tree / 'done'}/ is not writable; this run must write {tree / 'done/a.csv'}, " in result.stderr
    assert "and 2 more\n" in result.stderr and str(tree / "open") not in result.stderr


def test_a_folder_to_be_made_in_a_read_only_one_names_the_read_only_one(tree, unprivileged):
    result = require([tree / "done/sub/deeper/e.csv"], unprivileged)
    assert f"{tree / 'done'}/ is not writable; this run must write {tree / 'done/sub/deeper/e.csv'}\n" in result.stderr
