"""Shared test set-up and fixtures.

The repository root is importable (course/, autograder/) and so is tests/ (support.py);
the virtualenv's bin folder is on PATH (nbgrader runs its ``alembic`` command from there).
Tests are grouped like the code: reference/ (course/), core/, authoring/, grading/,
reporting/, demo/.
"""

import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
for folder in (TESTS.parent, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])

import pytest  # noqa: E402 - after the path set-up above


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A copy of the course directory in which `autograder release fc_nets` has run."""
    from support import ASSIGNMENT, copy_course, run_autograder

    root = copy_course(tmp_path_factory.mktemp("course"))
    run_autograder(root, "release", ASSIGNMENT)
    return root


@pytest.fixture(scope="session")
def graded_class(released_course, tmp_path_factory):
    """(course root, CompletedProcess): the small class of class_builder.py graded with
    `autograder grade --json` by two workers, then `autograder feedback`."""
    from class_builder import write_class
    from support import ASSIGNMENT, GRADING_LIMITS, clone, run_autograder

    root = clone(released_course, tmp_path_factory.mktemp("pool") / "course")
    write_class(root)
    result = run_autograder(root, "grade", ASSIGNMENT, "--workers", "2", "--json", *GRADING_LIMITS, check=False)
    run_autograder(root, "feedback", ASSIGNMENT)
    return root, result


BROWSER_TESTS = "tests/browser/"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With pytest-xdist's default ``--dist load``, keep the browser tests on one worker.

    They share one graded course and one JupyterLab, which every worker that ran some of
    them would set up again. Every other test is still scheduled on its own. (xdist's
    ``--dist loadgroup`` would do this with marks, but with pytest 9.2 it silently stops
    grouping: pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return BROWSER_TESTS if nodeid.startswith(BROWSER_TESTS) else nodeid

    return BrowserTestsTogether(config, log)
