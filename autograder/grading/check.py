"""``autograder check NOTEBOOK``: grade one notebook and print each check's verdict.

Run by a student (no grading bundle around), it runs the notebook as it is and
judges the public checks against the ``public_checks.json`` shipped with the
release. Run by an instructor inside the course directory, it grades the notebook
exactly as ``autograder grade`` would (hidden tests restored, every check), without
touching the gradebook.
"""

import json
import os
import shutil
import tempfile

import nbformat
from nbclient import NotebookClient

from ..bundle import bundle_path
from ..checks import PUBLIC_CHECKS_FILE
from ..course import find_course
from ..environments import kernel_environment
from ..errors import CourseError
from ..judge import judge_check, records_in_outputs
from ..settings import Autograder
from .pipeline import GradingPipeline
from .state import Outcome, submission_status
from .worker import execute_submission

INSTRUCTOR_MODE = "instructor"
STUDENT_MODE = "student (public checks only)"


def _instructor_course(path):
    """The course whose grading bundle covers this notebook, or None."""
    try:
        course = find_course(os.path.dirname(os.path.abspath(path)))
    except CourseError:
        try:
            course = find_course()
        except CourseError:
            return None
    assignment = os.path.basename(os.path.dirname(os.path.abspath(path)))
    name = os.path.splitext(os.path.basename(path))[0]
    return course if os.path.exists(bundle_path(course.bundle_dir, assignment, name)) else None


def check_as_instructor(course, path):
    assignment = os.path.basename(os.path.dirname(os.path.abspath(path)))
    name = os.path.splitext(os.path.basename(path))[0]
    pipeline = GradingPipeline(course, assignment)
    with open(path, "rb") as f:
        files = {os.path.basename(path): f.read()}
    snapshots = {name: pipeline.snapshots()[name]}
    run = execute_submission(pipeline.job("check", files, snapshots, pipeline.restored_files()))
    notebook_run = run.notebooks[name]
    outcome = Outcome("check", submission_status(run.notebooks), notebook_run.message)
    if notebook_run.notebook is None:
        return INSTRUCTOR_MODE, outcome
    judged = pipeline.judge_executed(notebook_run.notebook, "check", name)
    outcome.score = sum(j.score for j in judged.judgements)
    outcome.max_score = sum(j.max_score for j in judged.judgements)
    outcome.checks = [{"cell": j.grade_id, **v.to_dict()} for j in judged.judgements for v in j.verdicts]
    return INSTRUCTOR_MODE, outcome


def check_as_student(path):
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with open(os.path.join(folder, PUBLIC_CHECKS_FILE)) as f:
            public = json.load(f)
        if not isinstance(public, dict) or not all(isinstance(spec, dict) for spec in public.values()):
            raise ValueError("not an object of checks")
    except (OSError, ValueError):
        raise CourseError(
            f"No readable {PUBLIC_CHECKS_FILE} next to {path}: run check on the notebook inside the "
            "assignment folder you were given.") from None
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        workdir = os.path.join(scratch, "work")
        shutil.copytree(folder, workdir)
        NotebookClient(nb, timeout=Autograder().notebook_timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": workdir}}).execute(env=kernel_environment())
    records = [r for cell in nb.cells for r in records_in_outputs(cell.get("outputs", []))]
    verdicts = [judge_check({"name": n, **spec}, records) for n, spec in sorted(public.items())]
    return STUDENT_MODE, Outcome("check", "graded", score=sum(v.passed for v in verdicts),
                                 max_score=len(verdicts), checks=[v.to_dict() for v in verdicts])


def check(path):
    """(mode, Outcome) for one notebook."""
    if not os.path.isfile(path):
        raise CourseError(f"{path} is not a file: give the path of a notebook (.ipynb).")
    course = _instructor_course(path)
    return check_as_instructor(course, path) if course else check_as_student(path)


def check_result(mode, outcome):
    """The JSON form of a check."""
    return {"mode": mode, **outcome.to_dict()}


def format_check(mode, outcome):
    lines = [f"{'PASS' if c['passed'] else 'FAIL'}  {c['name']}: {c['message']}" for c in outcome.checks]
    if outcome.message:
        lines.append(outcome.message)
    unit = "checks passed" if mode == STUDENT_MODE else "points"
    lines.append(f"{mode}: {outcome.score:g} / {outcome.max_score:g} {unit}"
                 if outcome.max_score is not None else f"{mode}: {outcome.status}")
    return "\n".join(lines)
