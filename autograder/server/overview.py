"""What the instructor's panel shows per assignment, read from the course directory.

Released (the release folder and its notebooks), the proof's summary line
(``grading_bundle/<a>/check_quality.json``), submissions (``submitted/<student>/<a>/``, and
those graded from an LMS zip, which have an outcome but no such folder),
and the grader's outcomes: graded, awaiting hand grading (nbgrader's gradebook says a
graded submission still needs a person), could not be graded (the state files of
``autograder grade``). Reading only: nothing here writes to the course.
"""

import json
import os

from ..course import Course
from ..files import read_regular_file
from ..grading.state import GRADED_STATUSES, STATE_FILE, read_state


def is_course_with_bundle(root):
    """An instructor's course directory: nbgrader_config.py and a grading bundle folder."""
    course = Course(root)
    return os.path.isfile(os.path.join(root, "nbgrader_config.py")) and os.path.isdir(course.bundle_dir)


def proof_summary(course, assignment):
    try:
        quality = json.loads(read_regular_file(os.path.join(course.bundle_dir, assignment, "check_quality.json")))
        return str(quality["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _folders(parent):
    try:
        return sorted(name for name in os.listdir(parent) if os.path.isdir(os.path.join(parent, name)))
    except OSError:
        return []


def _needs_hand_grading(course, assignment):
    """Students whose graded submission waits for a person (nbgrader's needs_manual_grade)."""
    if course.db_url.startswith("sqlite:///") and not os.path.isfile(course.db_url[len("sqlite:///") :]):
        return set()  # no gradebook yet: do not create one by looking
    from nbgrader.api import Gradebook

    try:
        with Gradebook(course.db_url, course.course_id) as gb:
            return {s.student.id for s in gb.assignment_submissions(assignment) if s.needs_manual_grade}
    except Exception:  # noqa: BLE001 - an unknown assignment, an unreadable gradebook: nothing to show
        return set()


def assignment_overview(course, assignment):
    states = {
        s: read_state(course, s, assignment)
        for s in _folders(os.path.join(course.root, "autograded"))
        if os.path.isfile(os.path.join(course.autograded(s, assignment), STATE_FILE))
    }
    # A submission graded from an LMS zip (`autograder grade --submissions`) has an outcome but
    # no submitted/ folder: it counts as a submission too, or the panel showed more graded than submitted.
    submitted = set(states) | {
        s
        for s in _folders(os.path.join(course.root, "submitted"))
        if os.path.isdir(os.path.join(course.root, "submitted", s, assignment))
    }
    graded = {s for s, state in states.items() if state is not None and state.status in GRADED_STATUSES}
    failed = {
        s: state.message or state.status
        for s, state in states.items()
        if state is not None and state.status not in GRADED_STATUSES
    }
    release = course.release(assignment)
    notebooks = sorted(n for n in os.listdir(release) if n.endswith(".ipynb")) if os.path.isdir(release) else []
    awaiting = _needs_hand_grading(course, assignment) & graded
    report = course.report(assignment, "report.html")
    return {
        "assignment": assignment,
        "released": bool(notebooks),
        "notebooks": notebooks,
        "proof": proof_summary(course, assignment),
        "submissions": len(submitted),
        "graded": len(graded),
        "awaiting_hand_grading": len(awaiting),
        "could_not_be_graded": len(failed),
        "could_not_be_graded_why": dict(sorted(failed.items())[:20]),
        "report": os.path.isfile(report),
    }


def course_overview(root):
    course = Course(root)
    return [assignment_overview(course, assignment) for assignment in course.assignments()]
