"""A warm checker killed without cleanup leaves its kernel's copy of the student's folder; the
next checker removes the copies of dead checkers only."""

import os
import subprocess
import sys

from autograder.server.warm import SCRATCH_PREFIX, sweep_dead_scratch


def test_only_the_copies_of_dead_checkers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    left = tmp_path / f"{SCRATCH_PREFIX}{dead_pid}-abc"
    (left / "nnsupport").mkdir(parents=True)
    (left / "Notebook.ipynb").write_text("{}")
    live = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-def"
    live.mkdir()
    unnamed = tmp_path / f"{SCRATCH_PREFIX}xyz"  # an older checker's copy: no owner to ask
    unnamed.mkdir()
    other = tmp_path / f"other-{dead_pid}-abc"
    other.mkdir()
    sweep_dead_scratch(str(tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([live.name, unnamed.name, other.name])
