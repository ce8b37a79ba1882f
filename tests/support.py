"""Helpers shared by the tests: throw-away course copies, the two CLIs, gradebook reads."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.authoring.leaks import secret_lines
from autograder.course import Course, copy_instructor_files

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "fc_nets"
NOTEBOOK = "FullyConnectedNets"
COURSE_ID = "nn-first-principles"
# Limits for the test classes whose outcome does not depend on the machine's speed or load. The
# infinite loop (in relu_forward, run by many cells) always stops at the notebook limit in the first
# cell that calls it, since a cell's own limit never comes first; with a cell limit shorter than the
# notebook's, how many cells it reached, and so its grade, depended on how fast the others ran. An
# honest notebook takes 5-10 s, and up to 25 s on a two-core machine running 15 processes at once
# (where 4 s was too short for its training cell).
GRADING_LIMITS = ["--cell-timeout", "120", "--notebook-timeout", "60"]


def copy_course(target):
    """Copy what an instructor's course directory holds (no gradebook, no submissions)."""
    copy_instructor_files(str(REPO_ROOT), str(target))
    return Path(target)


def clone(released_course, target):
    """An independent copy of a released course (gradebook included), without grades."""
    shutil.copytree(
        released_course,
        target,
        ignore=shutil.ignore_patterns("submitted", "autograded", "feedback", "reports", "__pycache__"),
    )
    return target


def run_autograder(course_root, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=course_root, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_nbgrader(course_root, *args):
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_root, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def grades(root):
    """student -> {grade_id: auto_score} from the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        result = {}
        for student in gb.students:
            try:
                notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student.id)
            except Exception:  # noqa: BLE001 - a student without this submission
                continue
            result[student.id] = {g.name: g.auto_score for g in notebook.grades}
        return result


def by_student(result):
    """student -> entry of an `autograder grade --json` run."""
    return {s["student"]: s for s in json.loads(result.stdout)["students"]}


def assert_no_secrets(root, page):
    """A page shown to a student quotes no hidden test line and no hidden expected value."""
    hidden = secret_lines(
        [str(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
        str(root / "course"),
        Course(root).manifest(ASSIGNMENT),
    )
    leaked = [line for line, origin in hidden.items() if "hidden tests" in origin and line in page]
    assert leaked == []
    with open(root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json") as f:
        bundle = json.load(f)
    for specs in bundle["cells"].values():
        for spec in specs:
            expected = spec.get("expected", {})  # an array, or a dict of arrays in "entries"
            for encoded in list(expected.get("entries", {}).values()) or [expected]:
                if not spec["public"] and len(encoded.get("data", "")) >= 16:
                    assert encoded["data"] not in page


def graded_cell(grade_id):
    """A locked, graded nbgrader code cell worth one point."""
    from nbformat.v4 import new_code_cell

    cell = new_code_cell("pass")
    cell.metadata["nbgrader"] = {
        "grade_id": grade_id,
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "schema_version": 3,
    }
    return cell
