"""Shared test set-up: the repository root is importable (course/, autograder/), and the
virtualenv's bin folder is on PATH (nbgrader runs its ``alembic`` command from there)."""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])

import pytest  # noqa: E402 - after the path set-up above


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A copy of the course directory in which `autograder release fc_nets` has run."""
    from course_copy import ASSIGNMENT, copy_course, run_autograder

    root = copy_course(tmp_path_factory.mktemp("course"))
    run_autograder(root, "release", ASSIGNMENT)
    return root
