"""What a grading run tells people: the summary table, JSON, and the CSV export."""

import json
import os

from nbgrader.api import Gradebook

from ..grading.state import read_state
from ..spreadsheet import COLUMNS, SafeCsvExportPlugin, write_csv
from ..terminal import visible


def _score(outcome):
    if outcome.score is None:
        return "-"
    return f"{outcome.score:g} / {outcome.max_score:g}"


def summary_table(report):
    """A fixed-width table for the terminal: one row per submission graded, failed or skipped
    (what a submission chose, its id and messages, as visible text)."""
    rows = [(visible(o.student), visible(o.status), _score(o), visible(o.message or "")) for o in report.outcomes]
    rows += [(visible(s.student), "unchanged (skipped)", _score(s), "") for s in report.skipped]
    rows.sort()
    width = max([len("student")] + [len(r[0]) for r in rows])
    lines = [f"{'student':<{width}}  {'status':<22} {'score':>13}  message"]
    for student, status, score, message in rows:
        lines.append(f"{student:<{width}}  {status:<22} {score:>13}  {message[:90]}")
    graded = len(report.outcomes) - len(report.failed)
    lines.append(
        f"{graded} graded, {len(report.failed)} could not be graded, {len(report.skipped)} unchanged "
        f"and skipped, in {report.seconds:.1f} s"
    )
    return "\n".join(lines)


def json_report(report):
    """Machine-readable result: per student score, max score, per-check verdicts, status."""
    entries = [(o, o.status) for o in report.outcomes] + [(s, "unchanged") for s in report.skipped]
    students = [
        {"student": outcome.student, "status": status, "score": outcome.score, "max_score": outcome.max_score,
         "message": outcome.message, "checks": outcome.checks}
        for outcome, status in sorted(entries, key=lambda entry: entry[0].student)
    ]
    return json.dumps({"students": students, "seconds": report.seconds,
                       "record_seconds": report.record_seconds}, indent=1)


def export_csv(course, assignment, uncollected=()):
    """nbgrader's CSV export plus a ``status`` column, in reports/<assignment>_grades.csv.

    The status comes from the grader's state file, so a submission that could not
    be graded, or whose grading was interrupted, never reads as an honest zero; the
    ``uncollected`` outcomes (submissions no student could be recorded for: a refused id,
    no folder for this assignment) get a row of their own. Quoted and safe to open in a
    spreadsheet (see spreadsheet.py). Returns the file's path.
    """
    with Gradebook(course.db_url, course.course_id) as gb:
        rows = list(SafeCsvExportPlugin(assignment=[assignment]).rows(gb))
    for row in rows:
        state = read_state(course, row["student_id"], assignment)
        if state is not None:
            row["status"] = state.status
        elif row["timestamp"]:
            row["status"] = "incomplete: grading was interrupted, run autograder grade again"
        else:
            row["status"] = "no submission"
    known = {row["student_id"] for row in rows}
    rows += [{"assignment": assignment, "student_id": outcome.student, "status": f"{outcome.status}: {outcome.message}"}
             for outcome in uncollected if outcome.student not in known]
    path = course.report(assignment, "grades.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_csv(path, COLUMNS + ["status"], rows)
    return path
