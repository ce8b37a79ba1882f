"""One student's bad data never stops the batch; a gradebook that cannot be written stops it in one line.

The writer is fed worker results made without a kernel (benchmarks/synthetic.py),
some of them broken the way a hostile or unlucky submission breaks them.
"""

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook, MissingEntry
from support import ASSIGNMENT, COURSE_ID, REPO_ROOT, clone

from autograder.course import Course
from autograder.grading.jobs import NotebookRun
from autograder.grading.writer import GradebookWriter

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from synthetic import NOTEBOOK, SyntheticClass  # noqa: E402

pytestmark = pytest.mark.slow


def with_grades(run, grades):
    """A copy of a worker's SubmissionRun whose notebook reports other grades."""
    notebook = dataclasses.replace(run.notebooks[NOTEBOOK], grades=grades)
    return dataclasses.replace(run, notebooks={NOTEBOOK: notebook})


def course_on(root, db_url=None):
    if db_url:
        os.environ["AUTOGRADER_DB_URL"] = db_url
    try:
        course = Course(root)
        _ = course.config  # read now, with the URL
    finally:
        os.environ.pop("AUTOGRADER_DB_URL", None)
    return course


def test_a_failure_recording_one_student_marks_only_that_student_invalid(released_course, tmp_path):
    course = course_on(clone(released_course, tmp_path / "course"))
    synthetic = SyntheticClass(course)
    writer = GradebookWriter(synthetic.pipeline)
    escaping = synthetic.job("escaping")
    escaping.files = {**escaping.files, "../../outside.txt": b"planted"}
    writer.add(synthetic.job("first"), synthetic.run(0))
    writer.add(escaping, synthetic.run(0))
    writer.add(synthetic.job("unknown_cell"), with_grades(synthetic.run(0), {"planted_cell": 100.0}))
    # A problem quoting the submission (a grade id with a lone surrogate and an escape) becomes
    # formgrader's comment: sqlite3 failed to encode it and the batch stopped (tenth red team).
    foreign = NotebookRun("invalid", f"{NOTEBOOK}.ipynb is not this assignment's notebook: x\ud800\x1b[2J")
    writer.add(synthetic.job("foreign"), dataclasses.replace(synthetic.run(0), notebooks={NOTEBOOK: foreign}))
    writer.add(synthetic.job("last"), synthetic.run(0))
    outcomes = {o.student: o for o in writer.flush()}
    writer.close()

    assert outcomes["first"].status == outcomes["last"].status == "graded"
    assert outcomes["first"].score == outcomes["last"].score == 32
    assert outcomes["escaping"].status == "invalid" and "outside.txt" in outcomes["escaping"].message
    assert outcomes["unknown_cell"].status == "invalid" and "planted_cell" in outcomes["unknown_cell"].message
    assert outcomes["foreign"].status == "invalid"
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "course" / "outside.txt").exists()
    for student, outcome in outcomes.items():  # every outcome is remembered with its reason
        state = json.loads((tmp_path / "course" / "autograded" / student / ASSIGNMENT / ".autograder.json").read_text())
        assert state["status"] == outcome.status and state["message"] == outcome.message
    with Gradebook(course.db_url, COURSE_ID) as gb:
        assert gb.find_submission(ASSIGNMENT, "last").score == 32
        with pytest.raises(MissingEntry):
            gb.find_submission(ASSIGNMENT, "escaping")
        unknown = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "unknown_cell")
        assert all(g.auto_score is None and g.needs_manual_grade for g in unknown.grades)  # left for a person
        comments = [c.comment for c in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "foreign").comments]
        assert comments and all(c.isprintable() and "x\\ud800\\x1b[2J" in c for c in comments if c)


def test_a_student_the_database_refuses_is_that_students_problem(postgres_course):
    """PostgreSQL enforces nbgrader's 128-character student ids, SQLite does not."""
    root, url = postgres_course
    synthetic = SyntheticClass(course_on(root, url))
    writer = GradebookWriter(synthetic.pipeline)
    long_id = "x" * 200
    for student in ("before", long_id, "after"):
        writer.add(synthetic.job(student), synthetic.run(0))
    outcomes = {o.student: o for o in writer.flush()}
    writer.close()
    assert outcomes["before"].status == outcomes["after"].status == "graded"
    assert outcomes[long_id].status == "invalid" and "the gradebook refused" in outcomes[long_id].message
    with Gradebook(url, COURSE_ID) as gb:
        assert {s.id for s in gb.students} == {"before", "after"}


def test_a_gradebook_that_cannot_be_reached_stops_the_batch_in_one_line(released_course, tmp_path):
    root = clone(released_course, tmp_path / "course")
    url = f"postgresql://grader:secret@/gradebook?host={tmp_path / 'no-server'}"
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", ASSIGNMENT],
        cwd=root,
        text=True,
        capture_output=True,
        env=dict(os.environ, AUTOGRADER_DB_URL=url),
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("autograder: cannot open the gradebook postgresql://grader:***@")
    assert "secret" not in result.stderr


def with_notebook_text(run, text):
    """A copy of a worker's SubmissionRun whose autograded notebook is ``text``."""
    notebook = dataclasses.replace(run.notebooks[NOTEBOOK], notebook=text)
    return dataclasses.replace(run, notebooks={NOTEBOOK: notebook})


def test_a_result_that_cannot_be_written_keeps_the_previous_one(released_course, tmp_path):
    """A notebook UTF-8 cannot encode (a lone surrogate, as workers once returned it) used to fail
    after the student's previous autograded folder and state were deleted, while the gradebook
    kept the previous rows."""
    course = course_on(clone(released_course, tmp_path / "course"))
    synthetic = SyntheticClass(course)
    folder = tmp_path / "course" / "autograded" / "fay" / ASSIGNMENT
    writer = GradebookWriter(synthetic.pipeline)
    writer.add(synthetic.job("fay"), synthetic.run(0))
    assert writer.flush()[0].score == 32
    previous = (folder / f"{NOTEBOOK}.ipynb").read_bytes()

    unwritable = with_notebook_text(synthetic.run(0), synthetic.run(0).notebooks[NOTEBOOK].notebook + "\ud800")
    writer.add(synthetic.job("fay"), unwritable)
    [outcome] = writer.flush()
    writer.close()
    assert outcome.status == "invalid" and "could not record this submission" in outcome.message
    assert (folder / f"{NOTEBOOK}.ipynb").read_bytes() == previous
    assert [p.name for p in folder.parent.iterdir()] == [ASSIGNMENT]  # nothing half-written left beside it


def test_a_disk_that_cannot_be_written_still_stops_the_batch(released_course, tmp_path, monkeypatch):
    import errno

    from autograder.errors import RecordingError
    from autograder.grading import writer as writer_module

    course = course_on(clone(released_course, tmp_path / "course"))
    synthetic = SyntheticClass(course)
    writer = GradebookWriter(synthetic.pipeline)
    writer.add(synthetic.job("gus"), synthetic.run(0))
    writer.flush()

    def disk_full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(writer_module, "write_atomically", disk_full)
    with pytest.raises(RecordingError, match="cannot write the course folder"):
        writer.add(synthetic.job("gus"), synthetic.run(0))
    writer.close()
    folder = tmp_path / "course" / "autograded" / "gus"
    assert [p.name for p in folder.iterdir()] == [ASSIGNMENT]
    assert (folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists() and (folder / ASSIGNMENT / ".autograder.json").exists()
