"""Readers of the gradebook (formgrader's queries) while the writer records a batch.

A reader process opens nbgrader's Gradebook once and keeps its session, as
formgrader does, and reads over and over while the writer records 200 submissions
(worker results made without a kernel, benchmarks/synthetic.py) in groups. On
SQLite and on PostgreSQL, the reader never fails, and every submission it sees is
whole: all its rows, with the scores the judge decided, never half of a batch.

The two processes wait on each other, not on the clock: after each group the writer
waits until the reader has made a whole observation that began after the commit, and
the reader's last observation begins after the writer has finished.
"""

import json
import os
import subprocess
import sys
import time

import pytest
from support import ASSIGNMENT, COURSE_ID, REPO_ROOT, clone

from autograder.course import Course
from autograder.grading.writer import GradebookWriter

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from synthetic import NOTEBOOK, SyntheticClass  # noqa: E402

pytestmark = pytest.mark.slow
COUNT, GROUP = 200, 10

READER = """
import json, os, sys
from nbgrader.api import Gradebook
from sqlalchemy import text
url, course_id, assignment, out, stop = sys.argv[1:]
SEEN = '''select s.student_id, count(g.id), count(g.auto_score), coalesce(sum(g.auto_score), 0)
          from submitted_assignment s join submitted_notebook n on n.assignment_id = s.id
          join grade g on g.notebook_id = n.id group by s.student_id'''
gb = Gradebook(url, course_id)  # one long-lived session, as formgrader keeps
observations, errors = [], []
while True:
    last = os.path.exists(stop)  # the writer has finished: one more look, then stop
    try:
        listed = {s["student"]: s["score"] for s in gb.submission_dicts(assignment)}
        gb.db.commit()
        rows = {student: [grades, autos, total] for student, grades, autos, total in gb.db.execute(text(SEEN))}
        gb.db.commit()
        observations.append({"listed": listed, "rows": rows})
    except Exception as error:
        errors.append(repr(error))
        gb.db.rollback()
    with open(out + ".looked", "a") as f:  # one line per observation made
        f.write("\\n")
    if last:
        break
json.dump({"observations": observations, "errors": errors}, open(out, "w"))
"""


def looks(out):
    """How many observations the reader has made so far."""
    path = out.with_name(out.name + ".looked")
    return path.read_text().count("\n") if path.exists() else 0


def wait_for_looks(reader, out, count):
    while looks(out) < count:
        assert reader.poll() is None, "the reader stopped early"
        time.sleep(0.01)


@pytest.fixture(params=["sqlite", "postgresql"])
def course(request, released_course, tmp_path):
    """A released course whose gradebook is SQLite, or a copy of it on PostgreSQL."""
    if request.param == "sqlite":
        return Course(clone(released_course, tmp_path / "course"))
    root, url = request.getfixturevalue("postgres_course")
    os.environ["AUTOGRADER_DB_URL"] = url
    try:
        course = Course(root)
        _ = course.config  # read now, with the URL
    finally:
        del os.environ["AUTOGRADER_DB_URL"]
    return course


def test_readers_see_whole_submissions_while_the_writer_writes(course, tmp_path):
    synthetic = SyntheticClass(course)
    snapshot = synthetic.snapshots[NOTEBOOK]
    rows = len(snapshot["grade_cells"]) + len(snapshot["task_cells"])
    expected = {}
    for number in range(COUNT):
        run = synthetic.run(number).notebooks[NOTEBOOK]
        scores = [score for score in run.grades.values() if score is not None]
        expected[f"student{number:05d}"] = [rows, len(scores), sum(scores)]
    out, stop = tmp_path / "reader.json", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, course.db_url, COURSE_ID, ASSIGNMENT, str(out), str(stop)],
        env=dict(os.environ, AUTOGRADER_DB_URL=course.db_url),
    )
    try:
        wait_for_looks(reader, out, 1)
        writer = GradebookWriter(synthetic.pipeline)
        for first in range(0, COUNT, GROUP):
            for number in range(first, first + GROUP):
                writer.add(synthetic.job(f"student{number:05d}"), synthetic.run(number))
            writer.flush()
            # An observation that began after this commit: the one under way may have begun before it.
            wait_for_looks(reader, out, looks(out) + 2)
        writer.close()
    finally:
        stop.touch()
        assert reader.wait(timeout=60) == 0
    seen = json.loads(out.read_text())
    assert seen["errors"] == []
    observations = seen["observations"]
    during = {len(o["rows"]) for o in observations if 0 < len(o["rows"]) < COUNT}
    assert during >= set(range(GROUP, COUNT, GROUP)), f"the reader saw only {sorted(during)} submissions at a time"
    for observation in observations:
        for student, rows in observation["rows"].items():
            assert rows[0] == expected[student][0] and rows[1] == expected[student][1], (student, rows)
            assert rows[2] == pytest.approx(expected[student][2])
        assert set(observation["listed"]) <= set(observation["rows"])  # rows were read just after the listing
        for student, score in observation["listed"].items():
            assert score == pytest.approx(expected[student][2])
    assert len(observations[-1]["rows"]) == COUNT
