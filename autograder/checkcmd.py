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
from nbconvert.exporters import NotebookExporter

from .bundle import bundle_path
from .coursedir import CourseError, find_course
from .grading import gradebook_snapshots, support_files
from .judge import judge_check, records_in_outputs
from .kernel_env import kernel_environment
from .pipeline import course_id, db_url, load_course_config, split_pipeline, worker_config
from .preprocessors import JudgeChecks
from .student_checks import PUBLIC_CHECKS_FILE
from .worker import execute_submission
from .writer import checks_of


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
    return course if os.path.exists(bundle_path(course.grading_dir, assignment, name)) else None


def check_as_instructor(course, path):
    assignment = os.path.basename(os.path.dirname(os.path.abspath(path)))
    name = os.path.splitext(os.path.basename(path))[0]
    config = load_course_config(course.root)
    worker_preprocessors, _ = split_pipeline(config)
    snapshots = {name: gradebook_snapshots(db_url(config, course.root), course_id(config), assignment)[name]}
    with open(path, "rb") as f:
        files = {os.path.basename(path): f.read()}
    result = execute_submission({
        "student": "check", "assignment": assignment, "files": files,
        "support_files": support_files(course, assignment), "snapshots": snapshots,
        "config": worker_config(config), "sanitize_preprocessors": worker_preprocessors,
        "notebook_timeout": 600,
    })["notebooks"][name]
    if "notebook" not in result:
        return {"mode": "instructor", "status": result["status"], "message": result["message"],
                "score": 0, "max_score": None, "checks": []}
    exporter = NotebookExporter(config=config)
    exporter.register_preprocessor(JudgeChecks(config=config), enabled=True)
    resources = {"nbgrader": {"assignment": assignment, "notebook": name, "student": "check"}}
    judged, _ = exporter.from_notebook_node(nbformat.reads(result["notebook"], 4), resources)
    checks = checks_of(nbformat.reads(judged, 4))
    cells = [c for c in checks if "cell_score" in c]
    return {"mode": "instructor", "status": result["status"], "message": result["message"],
            "score": sum(c["cell_score"] for c in cells),
            "max_score": sum(c["cell_max_score"] for c in cells),
            "checks": [c for c in checks if "name" in c]}


def check_as_student(path):
    folder = os.path.dirname(os.path.abspath(path))
    try:
        with open(os.path.join(folder, PUBLIC_CHECKS_FILE)) as f:
            public = json.load(f)
    except (OSError, ValueError):
        raise CourseError(
            f"No {PUBLIC_CHECKS_FILE} next to {path}: run check on the notebook inside the "
            "assignment folder you were given.") from None
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        workdir = os.path.join(scratch, "work")
        shutil.copytree(folder, workdir)
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": workdir}}).execute(env=kernel_environment())
    records = [r for cell in nb.cells for r in records_in_outputs(cell.get("outputs", []))]
    verdicts = [judge_check({"name": n, **spec}, records) for n, spec in sorted(public.items())]
    return {"mode": "student (public checks only)", "status": "ok", "message": "",
            "score": sum(v.passed for v in verdicts), "max_score": len(verdicts),
            "checks": [v.to_dict() for v in verdicts]}


def check(path):
    if not os.path.isfile(path):
        raise CourseError(f"{path} is not a file: give the path of a notebook (.ipynb).")
    course = _instructor_course(path)
    return check_as_instructor(course, path) if course else check_as_student(path)


def format_check(result):
    lines = [f"{'PASS' if c['passed'] else 'FAIL'}  {c['name']}: {c['message']}" for c in result["checks"]]
    if result.get("message"):
        lines.append(result["message"])
    unit = "checks passed" if result["mode"].startswith("student") else "points"
    lines.append(f"{result['mode']}: {result['score']:g} / {result['max_score']:g} {unit}"
                 if result["max_score"] is not None else f"{result['mode']}: {result['status']}")
    return "\n".join(lines)
