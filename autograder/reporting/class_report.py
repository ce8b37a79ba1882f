"""``autograder report ASSIGNMENT``: the class, read by an instructor in thirty seconds.

One HTML page (no script, and a Content-Security-Policy that allows none), ordered by what
an instructor acts on first:

1. one line of counts: submissions, graded, awaiting hand grading (and how many points
   wait), could not be graded, not collected, late;
2. **who needs help**: every submission that could not be graded (with why), then the
   ones a grader flagged, then the lowest scores, each with the questions it lost points
   on and a link to the student's feedback page;
3. **questions by difficulty**, hardest first: mean credit and how many students got full,
   partial and no credit;
4. **mistakes the diagnoses name**, each counted once per student however many checks and
   questions showed it, labelled in full (the diagnosis with its numbers left out, so one
   mistake is one row, and the questions where it showed);
5. the grade distribution and run times as figures (matplotlib, embedded as images).

The same numbers are written as JSON, and each check's failure rate as CSV. It reads what
grading left behind: the gradebook (scores, manual ones too, lateness, flags), the state
files (statuses, verdicts, timings) and the grades CSV (submissions no student could be
recorded for). Everything a student wrote (ids, messages) is escaped.
"""

import base64
import csv
import html
import io
import json
import os
import re
from collections import Counter, defaultdict
from urllib.parse import quote

from nbgrader.api import Gradebook, MissingEntry

from .. import status
from ..grading.state import read_state
from ..progress import progress as progress_bar
from ..spreadsheet import write_csv

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CSS = """body { font: 15px/1.45 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; } td, th { border: 1px solid #ccc; padding: .25rem .5rem;
text-align: left; vertical-align: top; } .counts { font-size: 1.1rem; } .bar { display: inline-block; height: .8em;
background: #4a79b8; margin-right: .4rem; } .problem { color: #a40000; } figure { margin: 1.5rem 0; }
img { max-width: 100%; }"""
NEEDS_HELP_SCORE = 0.6  # a graded submission below this fraction of the points needs help
MOST_SHOWN = 25
NOT_RECORDED = "not recorded"  # the judge's message for a check its test cell never reached
# Measurements in a diagnosis (1.98, 3.2e-07, 12%): they differ per student, the mistake does not.
# Whole numbers stay: they name things (1 - beta1, the 2 in 0.5 * reg).
_MEASUREMENT = re.compile(r"[-+]?(?:\d*\.?\d+e[-+]?\d+|\d+\.\d+|\.\d+)x?%?|\d+%", re.IGNORECASE)


def _mistake_label(diagnosis):
    """One label per mistake: the diagnosis with its measurements left out (they differ per student)."""
    return re.sub(r"\s+", " ", _MEASUREMENT.sub("#", diagnosis)).strip()


def _feedback_pages(course, student, assignment):
    """Links, relative to reports/, to the student's feedback pages that exist."""
    folder = course.feedback(student, assignment)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".html"))
    except OSError:
        return []
    return [f"../feedback/{quote(student)}/{quote(assignment)}/{quote(name)}" for name in names]


def state_kind(state):
    """A submission's kind from its state file; one graded by plain nbgrader has none."""
    return state.status if state else "graded"


def awaiting_points(submission):
    """The points of a gradebook submission that still wait for a person (hand-graded answers)."""
    return sum(g.max_score for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade and g.max_score)


def _submission_entry(course, gb, assignment, student):
    """What the report says about one student's submission, or None if there is none."""
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    state = read_state(course, student, assignment)
    kind = state_kind(state)
    awaiting = awaiting_points(submission)
    lost = sorted(
        {
            g.name
            for nb in submission.notebooks
            for g in nb.grades
            if g.max_score and not g.needs_manual_grade and (g.score or 0) < g.max_score
        }
    )
    return {
        "student": student,
        "status": status.label(kind, None, awaiting),
        "kind": kind,
        "graded": status.counts_as_graded(kind),
        "score": submission.score,
        "max_score": submission.max_score,
        "late": bool(submission.total_seconds_late and submission.total_seconds_late > 0),
        "flagged": any(nb.flagged for nb in submission.notebooks),
        "awaiting_points": awaiting,
        "lost_points_on": lost,
        "seconds": state.seconds if state else None,
        "message": state.message if state else "",
        "feedback": _feedback_pages(course, student, assignment),
        "checks": state.checks if state else [],
        "grades": [
            (g.name, g.score, g.max_score)
            for nb in submission.notebooks
            for g in nb.grades
            if g.max_score and not g.needs_manual_grade
        ],
    }


def class_numbers(course, assignment, progress=False):
    """Every number the report shows, as plain data (also written as JSON); ``progress``: a
    progress bar over the students (reading each one's grades and state file)."""
    submissions = []
    with Gradebook(course.db_url, course.course_id) as gb:
        students = sorted(s.id for s in gb.students)
        with progress_bar(len(students), f"report on {assignment}", enabled=progress, unit="student") as bar:
            for student in students:
                entry = _submission_entry(course, gb, assignment, student)
                if entry is not None:
                    submissions.append(entry)
                bar.update(1)
    graded = [s for s in submissions if s["graded"]]
    uncollected = _uncollected(course, assignment)
    not_graded = [s for s in submissions if not s["graded"]] + uncollected

    credits = defaultdict(list)
    check_runs, check_failures = Counter(), Counter()
    mistakes = defaultdict(set)  # label -> students
    shown_in = defaultdict(set)  # label -> questions
    stopped = defaultdict(set)  # question -> students whose test cell stopped before a check
    for s in graded:
        for name, score, max_score in s["grades"]:
            credits[name].append((score or 0) / max_score)
        for check in s["checks"]:
            check_runs[check["name"]] += 1
            if check.get("passed"):
                continue
            check_failures[check["name"]] += 1
            question = check.get("cell") or check["name"]
            if check.get("message") == NOT_RECORDED:  # an error in the student's code, not a mistake in a value
                stopped[question].add(s["student"])
            elif check.get("diagnosis"):
                label = _mistake_label(check["diagnosis"])
                mistakes[label].add(s["student"])
                shown_in[label].add(question)
    questions = sorted(
        (
            {
                "question": name,
                "mean_credit": sum(v) / len(v),
                "full": sum(c >= 1 for c in v),
                "partial": sum(0 < c < 1 for c in v),
                "none": sum(c <= 0 for c in v),
                "stopped": len(stopped.get(name, ())),
            }
            for name, v in credits.items()
        ),
        key=lambda q: (q["mean_credit"], q["question"]),
    )
    return {
        "assignment": assignment,
        "title": course.manifest(assignment).title,
        "counts": {
            "submissions": len(submissions) + len(uncollected),
            "graded": len(graded),
            "awaiting_hand_grading": sum(1 for s in graded if s["awaiting_points"]),
            "awaiting_points": sum(s["awaiting_points"] for s in graded),
            "could_not_be_graded": len(not_graded) - len(uncollected),
            "not_collected": len(uncollected),
            "late": sum(1 for s in submissions if s["late"]),
        },
        "needs_help": _needs_help(graded, not_graded),
        "submissions": [{k: v for k, v in s.items() if k not in ("checks", "grades")} for s in submissions],
        "graded": len(graded),
        "not_graded": not_graded,
        "scores": [s["score"] for s in graded],
        "max_score": max((s["max_score"] for s in submissions), default=0),
        "questions": questions,
        "question_mean_credit": {
            q["question"]: q["mean_credit"] for q in sorted(questions, key=lambda q: q["question"])
        },
        "check_failure_rate": {name: check_failures[name] / runs for name, runs in sorted(check_runs.items())},
        "common_mistakes": [
            {"mistake": label, "students": len(students), "questions": sorted(shown_in[label])}
            for label, students in sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        "seconds": [s["seconds"] for s in graded if s["seconds"] is not None],
    }


def _needs_help(graded, not_graded):
    """Could not be graded first, then flagged, then graded below NEEDS_HELP_SCORE, lowest first."""

    def reason(s):
        return status.NOT_COLLECTED if s["kind"] == status.NOT_COLLECTED else status.NOT_GRADED

    rows = [{**_brief(s), "why": f"{reason(s)}: {s.get('message') or s['kind']}"} for s in not_graded]
    flagged = [s for s in graded if s["flagged"]]
    low = sorted(
        (
            s
            for s in graded
            if not s["flagged"] and s["max_score"] and (s["score"] or 0) < NEEDS_HELP_SCORE * s["max_score"]
        ),
        key=lambda s: ((s["score"] or 0) / s["max_score"], s["student"]),
    )
    rows += [{**_brief(s), "why": "flagged by a grader"} for s in flagged]
    rows += [{**_brief(s), "why": f"{s['score']:g} / {s['max_score']:g}"} for s in low]
    return rows


def _brief(s):
    return {
        "student": s["student"],
        "score": s.get("score"),
        "max_score": s.get("max_score"),
        "late": s.get("late", False),
        "lost_points_on": s.get("lost_points_on", []),
        "feedback": s.get("feedback", []),
    }


def _uncollected(course, assignment):
    """Rows of the grades CSV for submissions no student could be recorded for."""
    path = course.report(assignment, "grades.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [
            {
                "student": row["student_id"],
                "status": status.NOT_COLLECTED,
                "kind": status.NOT_COLLECTED,
                "graded": False,
                "score": None,
                "message": row["status"].partition(": ")[2],
            }
            for row in csv.DictReader(f)
            if row.get("status", "").startswith(status.NOT_COLLECTED)
        ]


def _figure(draw, title):
    """A matplotlib figure as an <img> with a data URI."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.2))
    draw(axes)
    axes.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}"></figure>'


def _histogram(values, xlabel):
    def draw(axes):
        axes.hist(values, bins=min(20, max(5, len(values) // 2)))
        axes.set_xlabel(xlabel)
        axes.set_ylabel("submissions")

    return draw


def _bar(fraction, width_rem=8):
    return f'<span class="bar" style="width:{max(0.0, min(1.0, fraction)) * width_rem:.2f}rem"></span>'


def _table(header, rows):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return (
        f"<table><tr>{head}</tr>"
        + "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
        + "</table>"
    )


def _counts_line(c):
    parts = [f"{c['submissions']} submissions", f"{c['graded']} graded"]
    if c["awaiting_hand_grading"]:
        parts.append(f"{c['awaiting_hand_grading']} {status.AWAITING_HAND_GRADING} ({c['awaiting_points']:g} points)")
    parts += [
        f"{c['could_not_be_graded']} {status.NOT_GRADED}",
        f"{c['not_collected']} {status.NOT_COLLECTED}",
        f"{c['late']} late",
    ]
    return ", ".join(parts)


def _help_rows(rows):
    for row in rows:
        links = " ".join(f'<a href="{html.escape(link)}">feedback</a>' for link in row["feedback"]) or "&ndash;"
        lost = ", ".join(html.escape(name) for name in row["lost_points_on"][:6])
        lost += " &hellip;" if len(row["lost_points_on"]) > 6 else ""
        yield [
            html.escape(row["student"]),
            html.escape(row["why"]) + (" (late)" if row["late"] else ""),
            lost or "&ndash;",
            links,
        ]


def report_html(numbers):
    n = numbers
    title = f"Class report: {html.escape(n['assignment'])} ({html.escape(n['title'])})"
    parts = [f"<h1>{title}</h1>", f'<p class="counts">{_counts_line(n["counts"])}.</p>']
    if n["scores"]:
        mean = sum(n["scores"]) / len(n["scores"])
        parts.append(f"<p>Mean score {mean:.2f} / {n['max_score']:g}.</p>")
    parts.append("<h2>Who needs help</h2>")
    if n["needs_help"]:
        parts.append(_table(["student", "why", "lost points on", "page"], _help_rows(n["needs_help"])))
    else:
        parts.append(f"<p>Nobody: every submission was graded at {NEEDS_HELP_SCORE:.0%} of the points or more.</p>")
    if n["questions"]:
        parts.append("<h2>Questions, hardest first</h2>")
        parts.append(
            "<p><em>stopped</em>: students whose test cell stopped (an error in their code) before its checks ran.</p>"
        )
        parts.append(
            _table(
                ["question", "mean credit", "full", "partial", "none", "stopped"],
                (
                    [
                        html.escape(q["question"]),
                        f"{_bar(q['mean_credit'])}{q['mean_credit']:.0%}",
                        q["full"],
                        q["partial"],
                        q["none"],
                        q["stopped"],
                    ]
                    for q in n["questions"]
                ),
            )
        )
    if n["common_mistakes"]:
        top = n["common_mistakes"][:MOST_SHOWN]
        most = max(m["students"] for m in top)
        parts.append("<h2>Mistakes the diagnoses name</h2><p>Each counted once per student.</p>")
        parts.append(
            _table(
                ["students", "mistake", "shown in"],
                (
                    [
                        f"{_bar(m['students'] / most)}{m['students']}",
                        html.escape(m["mistake"]),
                        html.escape(", ".join(m["questions"])),
                    ]
                    for m in top
                ),
            )
        )
    if n["scores"]:
        parts.append(_figure(_histogram(n["scores"], f"score (out of {n['max_score']:g})"), "Grade distribution"))
    if n["seconds"]:
        parts.append(_figure(_histogram(n["seconds"], "seconds"), "Time to run one submission"))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>{title}</title>'
        f"<style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>"
    )


def summary_lines(numbers, most=5):
    """The report's first lines for a terminal: the counts and who needs help first.

    Student ids and messages are submission text: the caller prints them through
    ``terminal.visible``."""
    lines = [_counts_line(numbers["counts"])]
    rows = numbers["needs_help"]
    if rows:
        lines.append(f"needs help ({len(rows)}):")
        lines += [f"  {row['student']}: {row['why']}" for row in rows[:most]]
        if len(rows) > most:
            lines.append(f"  ... and {len(rows) - most} more in the report")
    return lines


def write_class_report(course, assignment, progress=True):
    """reports/<assignment>_report.html, _report.json and _checks.csv; returns the HTML's path and the numbers."""
    numbers = class_numbers(course, assignment, progress)
    os.makedirs(os.path.dirname(course.report(assignment, "report.html")), exist_ok=True)
    with open(course.report(assignment, "report.json"), "w") as f:
        json.dump(numbers, f, indent=1)
    write_csv(
        course.report(assignment, "checks.csv"),
        ["check", "failure_rate"],
        [{"check": name, "failure_rate": f"{rate:.4f}"} for name, rate in numbers["check_failure_rate"].items()],
    )
    path = course.report(assignment, "report.html")
    # A message may still hold what UTF-8 cannot encode (a lone surrogate from a file name).
    with open(path, "w", encoding="utf-8", errors="xmlcharrefreplace") as f:
        f.write(report_html(numbers))
    return path, numbers
