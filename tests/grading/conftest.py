"""PostgreSQL fixtures for the grading tests: one server per test session, a database per use."""

import gc
import itertools
import os
import subprocess
import sys

import pytest
from postgres_server import postgres_server
from support import ASSIGNMENT, clone

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres():
    with postgres_server() as server:
        yield server
        gc.collect()  # connections tests left to the garbage collector close while the server is up


@pytest.fixture(scope="session")
def released_on_postgres(released_course, postgres, tmp_path_factory):
    """(course root, database name): `autograder release` run with the gradebook on PostgreSQL."""
    root = clone(released_course, tmp_path_factory.mktemp("pg") / "course")
    (root / "gradebook.db").unlink()  # nothing may silently fall back to SQLite
    url = postgres.create_database("released")
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "release", ASSIGNMENT],
        cwd=root,
        capture_output=True,
        text=True,
        env=dict(os.environ, AUTOGRADER_DB_URL=url),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root, "released"


@pytest.fixture
def postgres_course(released_on_postgres, postgres, tmp_path):
    """(course root, database URL): a copy of the released course with a copy of its gradebook."""
    root, template = released_on_postgres
    return clone(root, tmp_path / "course"), postgres.create_database(f"copy{next(_names)}", template=template)
