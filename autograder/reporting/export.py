"""What a grading run tells people: the summary table, JSON, and the CSV export, in status.py's words."""

import csv
import json
import os

from nbgrader.api import Assignment, Grade, Gradebook, SubmittedAssignment, SubmittedNotebook
from sqlalchemy import func

from .. import status
from ..grading.state import read_state
from ..spreadsheet import COLUMNS, SafeCsvExportPlugin, spreadsheet_cell, write_csv
from ..terminal import visible


def hand_grading_points(course, assignment):
    """student -> points of this assignment's cells that still wait for a person in formgrader.

    Only meaningful for a graded submission: one that could not be graded has every cell
    waiting (it is recorded as a fresh submission), and reads as could not be graded."""
    with Gradebook(course.db_url, course.course_id) as gb:
        rows = (
            gb.db.query(SubmittedAssignment.student_id, func.sum(Grade.max_score))
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .filter(Assignment.name == assignment, Grade.needs_manual_grade.is_(True))
            .group_by(SubmittedAssignment.student_id)
            .all()
        )
    return {student: float(points or 0.0) for student, points in rows if points}


def _score(outcome):
    if outcome.score is None:
        return "-"
    return f"{outcome.score:g} / {outcome.max_score:g}"


def summary_table(report, hand_points=None):
    """A fixed-width table for the terminal: one row per submission graded, not graded or
    skipped, in status.py's words (what a submission chose, its id and messages, as visible
    text), then one line counting each status."""
    hand_points = hand_points or {}
    rows = [
        (
            visible(o.student),
            status.label(o.status, None, hand_points.get(o.student, 0.0)),
            _score(o),
            visible(o.message or ""),
        )
        for o in report.outcomes
    ]
    rows += [
        (
            visible(s.student),
            status.label(s.status, None, hand_points.get(s.student, 0.0)),
            _score(s),
            "unchanged since the last run: not graded again",
        )
        for s in report.skipped
    ]
    rows.sort()
    width = max([len("student")] + [len(r[0]) for r in rows])
    lines = [f"{'student':<{width}}  {'status':<32} {'score':>13}  message"]
    for student, shown, score, message in rows:
        lines.append(f"{student:<{width}}  {shown:<32} {score:>13}  {message[:90]}")
    words = [status.word(o.status, hand_points.get(o.student, 0.0)) for o in report.outcomes]
    lines.append(
        f"{words.count(status.GRADED)} {status.GRADED}, {words.count(status.AWAITING_HAND_GRADING)} "
        f"{status.AWAITING_HAND_GRADING}, {words.count(status.NOT_GRADED)} {status.NOT_GRADED}, "
        f"{words.count(status.NOT_COLLECTED)} {status.NOT_COLLECTED}, {len(report.skipped)} unchanged "
        f"and skipped, in {report.seconds:.1f} s"
    )
    return "\n".join(lines)


def json_report(report, hand_points=None):
    """Machine-readable result: per student score, max score, per-check verdicts, ``status``
    (the grader's kind, or ``unchanged``: scripts read it), ``state`` (status.py's word) and
    the points awaiting hand grading."""
    hand_points = hand_points or {}
    entries = [(o, o.status) for o in report.outcomes] + [(s, "unchanged") for s in report.skipped]
    students = [
        {
            "student": outcome.student,
            "status": kind,
            "state": status.word(outcome.status, hand_points.get(outcome.student, 0.0)),
            "hand_grading_points": hand_points.get(outcome.student, 0.0) if outcome.graded else None,
            "score": outcome.score,
            "max_score": outcome.max_score,
            "message": outcome.message,
            "checks": outcome.checks,
        }
        for outcome, kind in sorted(entries, key=lambda entry: entry[0].student)
    ]
    return json.dumps(
        {"students": students, "seconds": report.seconds, "record_seconds": report.record_seconds}, indent=1
    )


def _earlier_rows(path, known):
    """Rows of an earlier grades CSV for ids neither the gradebook nor this run knows (what earlier
    runs could not collect): a run only adds to or updates the rows it graded."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return [row for row in csv.DictReader(f) if row.get("student_id") and row["student_id"] not in known]
    except (OSError, UnicodeDecodeError, csv.Error):
        return []  # none yet, or not ours to read: nothing to keep


def export_csv(course, assignment, uncollected=(), hand_points=None):
    """nbgrader's CSV export plus a ``status`` column, in reports/<assignment>_grades.csv.

    The status (status.py's words) comes from the grader's state file, so a submission that
    could not be graded, or whose grading was interrupted, never reads as an honest zero; the
    ``uncollected`` outcomes (submissions no student could be recorded for: a refused id,
    no folder for this assignment) get a row of their own, and so do those of earlier runs
    (kept: a run only adds to or updates rows). Quoted and safe to open in a spreadsheet
    (see spreadsheet.py). Returns the file's path.
    """
    if hand_points is None:
        hand_points = hand_grading_points(course, assignment)
    with Gradebook(course.db_url, course.course_id) as gb:
        rows = list(SafeCsvExportPlugin(assignment=[assignment]).rows(gb))
    for row in rows:
        state = read_state(course, row["student_id"], assignment)
        if state is not None:
            row["status"] = status.label(state.status, state.message, hand_points.get(row["student_id"], 0.0))
        elif row["timestamp"]:
            row["status"] = status.label("interrupted", status.INTERRUPTED)
        else:
            row["status"] = status.NO_SUBMISSION
    new = [
        {
            "assignment": assignment,
            "student_id": outcome.student,
            "status": status.label(outcome.status, outcome.message),
        }
        for outcome in uncollected
    ]
    known = {row["student_id"] for row in rows}
    rows += [row for row in new if row["student_id"] not in known]
    path = course.report(assignment, "grades.csv")
    rows += _earlier_rows(path, {spreadsheet_cell(row["student_id"]) for row in rows})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_csv(path, COLUMNS + ["status"], rows)
    return path
