"""`autograder grade` leaves exactly the gradebook rows plain `nbgrader autograde` leaves.

The same submissions (on time and late with a penalty method configured, answers to
grade by hand left unchanged or written, a notebook that errors, one that is not a
notebook, one handed in under another name, one without a timestamp, one with a test
cell deleted) are graded by
both into two copies of a released course; then a grader enters manual scores and one
submission is graded again by both. The tables nbgrader's formgrader, export and
feedback read must match row by row (ids aside), except for what we add on purpose: a
notebook that could not be graded is flagged, with the reason in its automatic comments
(nbgrader leaves a grader guessing).
"""

import shutil
import subprocess
import sys

import nbformat
import pytest
from gradebook_rows import differences, gradebook_rows
from nbgrader.api import Gradebook
from support import ASSIGNMENT, COURSE_ID, GRADING_LIMITS, NOTEBOOK, clone, run_autograder

from autograder.authoring.library import apply_edits, edit_solution, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow

DUE = "2026-06-01 12:00:00 UTC"
ON_TIME = "2026-06-01 11:00:00.000000 UTC"
LATE = "2026-06-02 09:30:00.000000 UTC"
PENALTY_CONFIG = '\nc.LateSubmissionPlugin.penalty_method = "zero"  # a late notebook scores 0\n'


def without_cell(nb, grade_id):
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def submissions(root):
    """student -> (notebook, or text for a broken file; file name; timestamp.txt or None)."""
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    relu_on_scores = load_library(Course(root), ASSIGNMENT).mistakes["relu_on_scores"]
    name = f"{NOTEBOOK}.ipynb"
    return {
        "on_time": (pasted, name, ON_TIME),
        "late": (apply_edits(pasted, relu_on_scores.as_edits()), name, LATE),
        "late_and_empty": (released, name, LATE),
        "untouched": (released, name, ON_TIME),
        "syntax_error": (
            edit_solution(
                pasted,
                "affine_forward",
                "out = x.reshape(x.shape[0], -1) @ w + b",
                "out = x.reshape(x.shape[0], -1 @ w + b",
            ),
            name,
            ON_TIME,
        ),
        "not_a_notebook": ('{"cells": [ not JSON', name, ON_TIME),
        "other_name": (pasted, f"{NOTEBOOK}-1.ipynb", ON_TIME),  # an LMS resubmission's name
        "deleted_cell": (without_cell(pasted, "test_relu_forward"), name, ON_TIME),  # nbgrader puts it back
        "no_timestamp": (pasted, name, None),
    }


def write_submissions(root):
    for student, (nb, file_name, timestamp) in submissions(root).items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder, ignore=shutil.ignore_patterns("*.ipynb"))
        if isinstance(nb, str):
            (folder / file_name).write_text(nb)
        else:
            nbformat.write(nb, folder / file_name)
        if timestamp:
            (folder / "timestamp.txt").write_text(timestamp)


def nbgrader_autograde(root, *args):
    """Plain nbgrader; it exits 1 when a submission fails, as some of these do on purpose."""
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, *args], cwd=root, capture_output=True, text=True
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]  # nbgrader exits 1 when a submission fails
    return result


def enter_manual_grades(root):
    """What a grader does in formgrader: a score for the written answer, an override of a test cell."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        gb.find_grade("inline_question_adagrad", NOTEBOOK, ASSIGNMENT, "on_time").manual_score = 1.5
        gb.find_grade("test_relu_forward", NOTEBOOK, ASSIGNMENT, "on_time").manual_score = 0.5
        gb.find_grade("test_relu_forward", NOTEBOOK, ASSIGNMENT, "on_time").needs_manual_grade = False
        gb.find_comment("affine_forward", NOTEBOOK, ASSIGNMENT, "on_time").manual_comment = "Neat."
        gb.db.commit()


@pytest.fixture(scope="module")
def both(released_course, tmp_path_factory):
    """(plain nbgrader's course, ours) after grading, manual grading and regrading one submission."""
    roots = []
    for name in ("plain", "ours"):
        root = clone(released_course, tmp_path_factory.mktemp(name) / "course")
        with open(root / "nbgrader_config.py", "a") as f:
            f.write(PENALTY_CONFIG)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
            gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
        write_submissions(root)
        roots.append(root)
    plain, ours = roots
    nbgrader_autograde(plain)
    run_autograder(ours, "grade", ASSIGNMENT, "--workers", "2", *GRADING_LIMITS, check=False)
    first = gradebook_rows(f"sqlite:///{plain / 'gradebook.db'}"), gradebook_rows(f"sqlite:///{ours / 'gradebook.db'}")
    for root in roots:
        enter_manual_grades(root)
        (root / "submitted" / "on_time" / ASSIGNMENT / "notes.txt").write_text("handed in again")
    nbgrader_autograde(plain, "--student", "on_time", "--force")
    run_autograder(ours, "grade", ASSIGNMENT, "--workers", "2", *GRADING_LIMITS, check=False)
    return plain, ours, first


UNGRADABLE = {"not_a_notebook", "other_name"}
REASON = "Not graded automatically: "


def without_reasons(rows):
    """Our rows as nbgrader writes them: the flags and reasons we add taken off again."""
    rows = dict(rows)
    rows["submitted_notebook"] = sorted(
        ((student, name, False, penalty) if student in UNGRADABLE else (student, name, flagged, penalty))
        for student, name, flagged, penalty in rows["submitted_notebook"]
    )
    rows["comment"] = sorted(
        (
            (student, name, cell, kind, None if auto and auto.startswith(REASON) else auto, manual)
            for student, name, cell, kind, auto, manual in rows["comment"]
        ),
        key=repr,
    )
    return rows


def test_first_grading_writes_the_rows_nbgrader_writes(both):
    _, _, (plain_rows, our_rows) = both
    assert differences(plain_rows, without_reasons(our_rows)) == []


def test_regrading_after_manual_grades_writes_the_rows_nbgrader_writes(both):
    plain, ours, _ = both
    assert (
        differences(
            gradebook_rows(f"sqlite:///{plain / 'gradebook.db'}"),
            without_reasons(gradebook_rows(f"sqlite:///{ours / 'gradebook.db'}")),
        )
        == []
    )


def test_a_grader_sees_why_a_notebook_was_not_graded(both):
    """Flagged in formgrader's list, the reason in each solution cell's comment; nothing else flagged."""
    _, ours, _ = both
    rows = gradebook_rows(f"sqlite:///{ours / 'gradebook.db'}")
    assert {student for student, _, flagged, _ in rows["submitted_notebook"] if flagged} == UNGRADABLE
    reasons = {
        (student, auto)
        for student, _, _, kind, auto, _ in rows["comment"]
        if auto and auto.startswith(REASON) and kind == "SolutionCell"
    }
    assert {student for student, _ in reasons} == UNGRADABLE
    assert ("other_name", f"{REASON}no {NOTEBOOK}.ipynb in the submission (found: {NOTEBOOK}-1.ipynb)") in reasons
    assert any(student == "not_a_notebook" and "is not a valid notebook" in auto for student, auto in reasons)


def test_the_comparison_covers_every_case(both):
    """Not vacuous: a penalty, work to grade by hand, 'No response.', zeros and untouched rows all occur."""
    _, ours, _ = both
    rows = gradebook_rows(f"sqlite:///{ours / 'gradebook.db'}")
    penalties = {student: penalty for student, _, _, penalty in rows["submitted_notebook"]}
    assert penalties["late"] > 0 and penalties["late_and_empty"] == 0 and penalties["on_time"] is None
    grades = {
        (student, cell): (auto, manual, needs)
        for student, _, cell, kind, auto, manual, _, needs in rows["grade"]
        if kind == "GradeCell"
    }
    assert grades[("on_time", "inline_question_adagrad")] == (None, 1.5, True)  # written: always reviewed
    assert grades[("on_time", "test_relu_forward")] == (1.0, 0.5, True)  # a manual override is reviewed again
    assert grades[("untouched", "inline_question_adagrad")] == (0.0, None, False)
    assert grades[("not_a_notebook", "test_adam")] == (None, None, True)  # left for a person, as nbgrader does
    assert grades[("other_name", "test_adam")] == (None, None, True)
    assert 0 < sum(auto for (student, _), (auto, _, _) in grades.items() if student == "syntax_error" and auto) < 32
    comments = {(student, cell): auto for student, _, cell, _, auto, _ in rows["comment"]}
    assert comments[("untouched", "affine_forward")] == "No response."
    assert comments[("on_time", "affine_forward")] is None
    assert grades[("deleted_cell", "test_relu_forward")] == (1.0, None, False)
    timestamps = {student: timestamp for student, _, timestamp, _ in rows["submitted_assignment"]}
    assert timestamps["no_timestamp"] is None and timestamps["late"].startswith("2026-06-02 09:30")
