"""``autograder report ASSIGNMENT``: what an instructor wants to know about the whole class.

One HTML page (figures drawn with matplotlib, embedded as images; no script, and a
Content-Security-Policy that allows none), and the same numbers as JSON and CSV:

- the grade distribution;
- the mean credit of each graded question, and how often each check fails;
- the most common diagnosed mistakes, with how many students made each;
- how long submissions took to run;
- every submission that could not be graded, and why.

It reads what grading left behind: the gradebook (scores, also manual ones), the state
files (statuses, verdicts, timings) and the grades CSV (submissions no student could be
recorded for). Everything a student wrote (ids, messages) is escaped.
"""

import base64
import csv
import html
import io
import json
import os
from collections import Counter, defaultdict

from nbgrader.api import Gradebook, MissingEntry

from .. import status
from ..grading.state import read_state
from ..spreadsheet import write_csv

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
CSS = """body { font: 15px/1.45 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; }
figure { margin: 1.5rem 0; } img { max-width: 100%; }"""
TOP = 20


def class_numbers(course, assignment):
    """Every number the report shows, as plain data (also written as JSON)."""
    submissions, questions = [], defaultdict(list)
    check_runs, check_failures, mistakes = Counter(), Counter(), Counter()
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in sorted(s.id for s in gb.students):
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            state = read_state(course, student, assignment)
            kind = state.status if state else "graded"  # graded by plain nbgrader: no state file
            hand_points = sum(grade.max_score or 0.0 for notebook in submission.notebooks
                              for grade in notebook.grades if grade.needs_manual_grade)
            entry = {"student": student, "status": status.label(kind, None, hand_points), "kind": kind,
                     "graded": status.counts_as_graded(kind), "score": submission.score,
                     "max_score": submission.max_score, "seconds": state.seconds if state else None,
                     "message": state.message if state else ""}
            submissions.append(entry)
            if not entry["graded"]:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.max_score and not grade.needs_manual_grade:
                        questions[grade.name].append(grade.score / grade.max_score)
            seen = set()
            for check in state.checks if state else []:
                check_runs[check["name"]] += 1
                if not check.get("passed"):
                    check_failures[check["name"]] += 1
                    label = check.get("diagnosis")
                    if label and label not in seen:
                        seen.add(label)
                        mistakes[label] += 1
    graded = [s for s in submissions if s["graded"]]
    return {
        "assignment": assignment,
        "submissions": submissions,
        "graded": len(graded),
        "awaiting_hand_grading": sum(s["status"].startswith(status.AWAITING_HAND_GRADING) for s in graded),
        "not_graded": [s for s in submissions if not s["graded"]] + _uncollected(course, assignment),
        "scores": [s["score"] for s in graded],
        "max_score": max((s["max_score"] for s in submissions), default=0),
        "question_mean_credit": {name: sum(v) / len(v) for name, v in sorted(questions.items())},
        "check_failure_rate": {name: check_failures[name] / runs for name, runs in sorted(check_runs.items())},
        "common_mistakes": mistakes.most_common(TOP),
        "seconds": [s["seconds"] for s in graded if s["seconds"] is not None],
    }


def _uncollected(course, assignment):
    """Rows of the grades CSV for submissions no student could be recorded for."""
    path = course.report(assignment, "grades.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [{"student": row["student_id"], "status": status.NOT_COLLECTED, "kind": status.NOT_COLLECTED,
                 "graded": False, "score": None, "message": row["status"].partition(": ")[2]}
                for row in csv.DictReader(f) if row.get("status", "").startswith(status.NOT_COLLECTED)]


def _figure(draw, title):
    """A matplotlib figure as an <img> with a data URI."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 3.6))
    draw(axes)
    axes.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}"></figure>'


def _bars(pairs, xlabel):
    def draw(axes):
        labels, values = [label for label, _ in pairs], [value for _, value in pairs]
        axes.barh(range(len(values)), values)
        axes.set_yticks(range(len(values)), [label[:60] for label in labels], fontsize=7)
        axes.invert_yaxis()
        axes.set_xlabel(xlabel)
    return draw


def _histogram(values, xlabel):
    def draw(axes):
        axes.hist(values, bins=min(20, max(5, len(values) // 2)))
        axes.set_xlabel(xlabel)
        axes.set_ylabel("submissions")
    return draw


def report_html(numbers):
    n = numbers
    parts = [f"<h1>Class report: {html.escape(n['assignment'])}</h1>",
             f"<p>{n['graded']} submissions {status.GRADED} (of them {n['awaiting_hand_grading']} "
             f"{status.AWAITING_HAND_GRADING}), {len(n['not_graded'])} {status.NOT_GRADED} or "
             f"{status.NOT_COLLECTED}.</p>"]
    if n["scores"]:
        mean = sum(n["scores"]) / len(n["scores"])
        parts.append(f"<p>Mean score {mean:.2f} / {n['max_score']:g}.</p>")
        parts.append(_figure(_histogram(n["scores"], f"score (out of {n['max_score']:g})"), "Grade distribution"))
    if n["question_mean_credit"]:
        parts.append(_figure(_bars(list(n["question_mean_credit"].items()), "mean fraction of the points"),
                             "Mean credit per question"))
    failing = sorted(n["check_failure_rate"].items(), key=lambda item: -item[1])[:TOP]
    if failing:
        parts.append(_figure(_bars(failing, "fraction of submissions failing"), "Checks failed most often"))
    if n["common_mistakes"]:
        parts.append(_figure(_bars(n["common_mistakes"], "students"), "Most common diagnosed mistakes"))
        parts.append("<table><tr><th>diagnosis</th><th>students</th></tr>" + "".join(
            f"<tr><td>{html.escape(label)}</td><td>{count}</td></tr>" for label, count in n["common_mistakes"])
            + "</table>")
    if n["seconds"]:
        parts.append(_figure(_histogram(n["seconds"], "seconds"), "Time to run one submission"))
    parts.append(f"<h2>Submissions that {status.NOT_GRADED} or were {status.NOT_COLLECTED}</h2>")
    parts.append("<table><tr><th>student</th><th>status</th><th>why</th></tr>" + "".join(
        f"<tr><td>{html.escape(s['student'])}</td><td>{html.escape(s['status'])}</td>"
        f"<td>{html.escape(s.get('message') or '')}</td></tr>" for s in n["not_graded"]) + "</table>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>Class report: '
            f'{html.escape(n["assignment"])}</title><style>{CSS}</style></head><body>'
            + "\n".join(parts) + "</body></html>")


def write_class_report(course, assignment):
    """reports/<assignment>_report.html, _report.json and _checks.csv; returns the HTML's path."""
    numbers = class_numbers(course, assignment)
    os.makedirs(os.path.dirname(course.report(assignment, "report.html")), exist_ok=True)
    with open(course.report(assignment, "report.json"), "w") as f:
        json.dump(numbers, f, indent=1)
    write_csv(course.report(assignment, "checks.csv"), ["check", "failure_rate"],
              [{"check": name, "failure_rate": f"{rate:.4f}"} for name, rate in numbers["check_failure_rate"].items()])
    path = course.report(assignment, "report.html")
    with open(path, "w") as f:
        f.write(report_html(numbers))
    return path
