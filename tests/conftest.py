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
    """A copy of the course directory in which `autograder release fc_nets` has run.

    The release proves the checks (a minute or more), so it runs once per test session:
    under pytest-xdist the first worker releases into a folder all workers share, under
    a lock, and each worker takes its own copy.
    """
    import fcntl
    import shutil

    from support import ASSIGNMENT, copy_course, run_autograder

    session = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session = session.parent  # the session's folder, above each worker's own
    shared = session / "released_course"
    with open(session / "released_course.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".released").exists():
            shutil.rmtree(shared, ignore_errors=True)
            run_autograder(copy_course(shared), "release", ASSIGNMENT)
            (shared / ".released").touch()
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(shared, root, dirs_exist_ok=True)
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
    """With pytest-xdist's default ``--dist load``, send each test module to one worker, and
    the browser tests all to one worker.

    Most of the suite's time is in module-scoped fixtures (a graded attack corpus, a graded
    class on PostgreSQL, each assignment graded by plain nbgrader): scheduled test by test,
    both workers built each of them. The browser tests share one graded course and one
    JupyterLab across their modules. (xdist's ``--dist loadgroup`` would do this with marks,
    but with pytest 9.2 it silently stops grouping: pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return BROWSER_TESTS if nodeid.startswith(BROWSER_TESTS) else nodeid.split("::", 1)[0]

    return ModulesTogether(config, log)
