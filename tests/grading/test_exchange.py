"""`nbgrader collect` with our configuration: no link followed, no unsafe id trusted."""

import os
import subprocess
import sys

import nbformat
import pytest
from support import ASSIGNMENT, NOTEBOOK, copy_course

INBOUND_TIME = "2026-11-28 10:00:00.000000 UTC"


def collect(root, exchange):
    return subprocess.run([sys.executable, "-m", "nbgrader", "collect", ASSIGNMENT, f"--Exchange.root={exchange}"],
                          cwd=root, capture_output=True, text=True)


@pytest.fixture
def course_with_inbound(tmp_path):
    root = copy_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    inbound = exchange / "nn-first-principles" / "inbound"
    secret = tmp_path / "root-only.txt"
    secret.write_text("SECRET-FOR-COLLECT")
    secret.chmod(0o600)
    for student in ("alice", "=HYPERLINK(1)"):
        folder = inbound / f"{student}+{ASSIGNMENT}+{INBOUND_TIME}+abc123"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), folder / f"{NOTEBOOK}.ipynb")
        (folder / "timestamp.txt").write_text(INBOUND_TIME)
        os.symlink(secret, folder / "notes.txt")
        os.symlink("/etc", folder / "etc")
        os.mkfifo(folder / "pipe")
    return root, exchange


def test_collect_copies_regular_files_only_and_refuses_unsafe_ids(course_with_inbound):
    root, exchange = course_with_inbound
    result = collect(root, exchange)
    assert result.returncode == 0, result.stderr
    collected = root / "submitted" / "alice" / ASSIGNMENT
    assert sorted(p.name for p in collected.iterdir()) == [f"{NOTEBOOK}.ipynb", "timestamp.txt"]
    assert "symbolic link" in result.stderr and "FIFO" in result.stderr
    assert "the student id is a name starting with a spreadsheet formula character" in result.stderr
    assert sorted(p.name for p in (root / "submitted").iterdir()) == ["alice"]
    assert "SECRET-FOR-COLLECT" not in "".join(p.read_text(errors="replace") for p in collected.iterdir())
