"""The course at a glance: every student by every assignment, beside each class report.

A class report answers "how did this assignment go"; an instructor of several assignments
also asks "who is falling behind across them". ``reports/course.html`` and
``reports/course.csv`` hold one row per student of the gradebook and, per assignment of the
course, the score with its maximum or the status word (``status``: no submission, could not
be graded, awaiting hand grading), plus the total over the assignments graded. Names are
escaped (HTML) and spreadsheet formulas neutralised (CSV): ids come from folder names.
"""

import html
import os
from urllib.parse import quote

from nbgrader.api import Gradebook, MissingEntry

from .. import status
from ..grading.state import read_state
from ..spreadsheet import write_csv
from .class_report import awaiting_points, state_kind


def _cell(course, gb, assignment, student):
    """{"score", "max_score", "status"} of one student's submission of one assignment."""
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return {"score": None, "max_score": None, "status": status.NO_SUBMISSION}
    kind = state_kind(read_state(course, student, assignment))
    graded = status.counts_as_graded(kind)
    return {
        "score": submission.score if graded else None,
        "max_score": submission.max_score if graded else None,
        "status": status.word(kind, awaiting_points(submission)),
    }


def course_table(course):
    """(assignments, rows): one row per student, {"student", assignment: cell, "total", "max_total"}."""
    assignments = course.assignments()
    rows = []
    with Gradebook(course.db_url, course.course_id) as gb:
        known = {a.name for a in gb.assignments}
        for student in sorted(s.id for s in gb.students):
            row = {"student": student}
            for assignment in assignments:
                row[assignment] = (
                    _cell(course, gb, assignment, student)
                    if assignment in known  # else nothing of it was ever collected
                    else {"score": None, "max_score": None, "status": status.NO_SUBMISSION}
                )
            cells = [row[a] for a in assignments if row[a]["score"] is not None]
            row["total"] = sum(cell["score"] for cell in cells)
            row["max_total"] = sum(cell["max_score"] for cell in cells)
            rows.append(row)
    return assignments, rows


def _shown(cell):
    if cell["score"] is None:
        return cell["status"]
    text = f"{cell['score']:g} / {cell['max_score']:g}"
    return text if cell["status"] == status.GRADED else f"{text} ({cell['status']})"


def course_html(assignments, rows):
    """The page: a table of students by assignments, each heading linking to its class report."""
    headings = "".join(
        f'<th><a href="{quote(assignment)}_report.html">{html.escape(assignment)}</a></th>'
        for assignment in assignments
    )
    body = "".join(
        "<tr><td>"
        + html.escape(row["student"])
        + "</td>"
        + "".join(f"<td>{html.escape(_shown(row[a]))}</td>" for a in assignments)
        + f"<td>{row['total']:g} / {row['max_total']:g}</td></tr>"
        for row in rows
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Course view</title>'
        "<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style></head><body>"
        f"<h1>Course view: {len(rows)} students, {len(assignments)} assignments</h1>"
        "<p>Score / maximum of each graded submission (total: over the graded ones); otherwise its status.</p>"
        f"<table><thead><tr><th>student</th>{headings}<th>total</th></tr></thead><tbody>{body}</tbody></table>"
        "</body></html>\n"
    )


def write_course_view(course):
    """reports/course.html and reports/course.csv; returns the HTML's path."""
    assignments, rows = course_table(course)
    folder = os.path.join(course.root, "reports")
    os.makedirs(folder, exist_ok=True)
    write_csv(
        os.path.join(folder, "course.csv"),
        ["student", *assignments, "total", "max_total"],
        [
            {
                "student": row["student"],
                **{assignment: _shown(row[assignment]) for assignment in assignments},
                "total": f"{row['total']:g}",
                "max_total": f"{row['max_total']:g}",
            }
            for row in rows
        ],
    )
    path = os.path.join(folder, "course.html")
    with open(path, "w", encoding="utf-8", errors="xmlcharrefreplace") as f:
        f.write(course_html(assignments, rows))
    return path
