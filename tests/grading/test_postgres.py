"""The gradebook on a real PostgreSQL server, chosen with AUTOGRADER_DB_URL.

A server from the Debian package runs as the unprivileged ``postgres`` user in a
temporary folder (tests/postgres_server.py, tests/grading/conftest.py). On it: a
release, a grading batch (the same rows as on SQLite), a rescore, and the queries
formgrader and `nbgrader export` make. Readers during a batch: test_concurrent_readers.py.
"""

import csv
import json
import os
import subprocess
import sys

import pytest
from class_builder import write_class
from gradebook_rows import differences, gradebook_rows
from support import ASSIGNMENT, GRADING_LIMITS, NOTEBOOK, by_student, clone

pytestmark = pytest.mark.slow


def run(root, database, *args, tool="autograder"):
    result = subprocess.run(
        [sys.executable, "-m", tool, *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=dict(os.environ, AUTOGRADER_DB_URL=database),
    )
    assert result.returncode in (0, 2), result.stderr[-3000:]  # 2: some could not be graded (on purpose)
    return result


@pytest.fixture(scope="module")
def graded_on_postgres(released_on_postgres, postgres, tmp_path_factory):
    """(course root, database URL, `autograder grade --json` result) with the gradebook on PostgreSQL."""
    released, template = released_on_postgres
    root = clone(released, tmp_path_factory.mktemp("pg-graded") / "course")
    database = postgres.create_database("graded", template=template)
    write_class(root)
    return root, database, run(root, database, "grade", ASSIGNMENT, "--workers", "2", "--json", *GRADING_LIMITS)


def test_grading_on_postgres_writes_the_rows_it_writes_on_sqlite(graded_on_postgres, graded_class):
    root, database, result = graded_on_postgres
    assert not (root / "gradebook.db").exists()
    assert {s: (o["status"], o["score"]) for s, o in by_student(result).items()} == {
        s: (o["status"], o["score"]) for s, o in by_student(graded_class[1]).items()
    }
    assert differences(gradebook_rows(f"sqlite:///{graded_class[0] / 'gradebook.db'}"), gradebook_rows(database)) == []


def test_formgrader_and_export_read_the_postgres_gradebook(graded_on_postgres):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograder.course import Course

    root, database, result = graded_on_postgres
    os.environ["AUTOGRADER_DB_URL"] = database
    try:
        config = Course(root).config
    finally:
        del os.environ["AUTOGRADER_DB_URL"]
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    assert sorted(a["name"] for a in api.get_assignments()) == Course(root).assignments()
    submissions = {s["student"]: s for s in api.get_submissions(ASSIGNMENT)}
    expected = by_student(result)
    for student in ("ada", "cai", "dee"):
        assert submissions[student]["score"] == expected[student]["score"]
        assert submissions[student]["max_score"] == 34
    assert submissions["ada"]["needs_manual_grade"]  # the written answer
    notebooks = {n["student"]: n for n in api.get_notebook_submissions(ASSIGNMENT, NOTEBOOK)}
    assert notebooks["cai"]["failed_tests"] and not notebooks["ada"]["failed_tests"]
    ada = {submission["name"]: submission for submission in api.get_student_submissions("ada")}
    assert ada[ASSIGNMENT]["score"] == 32 and api.get_student("ada")["score"] == 32
    assert api.get_submission(ASSIGNMENT, "ada")["autograded"]

    exported = root / "grades.csv"
    run(root, database, "export", "--to", str(exported), tool="nbgrader")
    with open(exported) as f:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}
    assert scores["ada"] == 32 and scores["cai"] == expected["cai"]["score"]


def test_rescore_on_postgres(graded_on_postgres):
    root, database, result = graded_on_postgres
    bundle_file = root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json"
    bundle = json.loads(bundle_file.read_text())
    for spec in bundle["cells"]["test_fc_net_scores"]:
        spec["tol"] = 10.0  # every relative error is <= 1: cai's wrong scores now pass
    bundle_file.write_text(json.dumps(bundle))
    rescored = run(root, database, "rescore", ASSIGNMENT)
    assert rescored.returncode == 0, rescored.stderr
    scores = dict(line.split(": ") for line in rescored.stdout.splitlines() if line.count(": ") == 1)
    assert scores["cai"] == f"{by_student(result)['cai']['score'] + 2:g} / 34"
    rows = {
        (student, cell): auto
        for student, _, cell, kind, auto, *_ in gradebook_rows(database)["grade"]
        if kind == "GradeCell"
    }
    assert rows[("cai", "test_fc_net_scores")] == 2
