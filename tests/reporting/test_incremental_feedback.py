"""`autograder feedback` renders a page again only when its inputs changed (a manual grade
entered in formgrader included), and feedback and report show progress to the extension."""

import os
import shutil
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook
from support import ASSIGNMENT, COURSE_ID, NOTEBOOK

from autograder.progress import parse_progress

pytestmark = pytest.mark.slow  # the graded_class fixture (a proven release, then grading)


def run_with_json_progress(root, *args):
    result = subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "AUTOGRADER_PROGRESS": "json"},
    )
    assert result.returncode == 0, result.stderr
    updates = [u for u in map(parse_progress, result.stderr.splitlines()) if u is not None]
    return result, updates


def pages(root):
    """student -> (bytes, modification time in ns) of each student's feedback page."""
    found = {}
    for page in (root / "feedback").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}.html"):
        found[page.parent.parent.name] = (page.read_bytes(), page.stat().st_mtime_ns)
    return found


def test_feedback_renders_only_the_page_whose_manual_grade_changed(graded_class, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded_class[0], root)  # the fixture ran `autograder feedback` once already
    before = pages(root)
    assert len(before) >= 5

    result, updates = run_with_json_progress(root, "feedback", ASSIGNMENT)
    assert f"rendered 0 feedback page(s), {len(before)} unchanged" in result.stdout
    assert updates == [] and pages(root) == before  # nothing rendered, nothing rewritten

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        grade = gb.find_grade("inline_question_adagrad", NOTEBOOK, ASSIGNMENT, "cai")
        assert grade.needs_manual_grade
        grade.manual_score = 1.5
        comment = gb.find_comment("inline_question_adagrad", NOTEBOOK, ASSIGNMENT, "cai")
        comment.manual_comment = "Adagrad's cache only grows: well explained."
        gb.db.commit()
    result, updates = run_with_json_progress(root, "feedback", ASSIGNMENT)
    assert f"rendered 1 feedback page(s), {len(before) - 1} unchanged" in result.stdout
    after = pages(root)
    assert {student for student in after if after[student] != before[student]} == {"cai"}
    assert b"well explained" in after["cai"][0] and b"well explained" not in before["cai"][0]
    assert updates[-1]["desc"] == f"feedback for {ASSIGNMENT}" and updates[-1]["done"] == updates[-1]["total"] == 1

    # A page that is not what rendering wrote (deleted here) is rendered again, alone.
    (root / "feedback" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.html").unlink()
    result, _ = run_with_json_progress(root, "feedback", ASSIGNMENT)
    assert f"rendered 1 feedback page(s), {len(before) - 1} unchanged" in result.stdout
    assert pages(root)["cai"][0] == after["cai"][0]


def test_the_report_shows_progress_over_the_students(graded_class, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded_class[0], root)
    result, updates = run_with_json_progress(root, "report", ASSIGNMENT)
    assert "class report: " in result.stdout
    assert updates[0]["done"] == 0 and updates[0]["desc"] == f"report on {ASSIGNMENT}"
    assert updates[-1]["done"] == updates[-1]["total"] >= 5


def test_a_page_that_cannot_be_rendered_is_that_students_and_the_others_are_rendered(graded_class, tmp_path):
    """An autograded notebook the format refuses (an execution count a kernel sent as a string,
    from before the grader left such output out) stopped `autograder feedback` for the class,
    and every run after it (eleventh red team)."""
    import json

    root = tmp_path / "course"
    shutil.copytree(graded_class[0], root, ignore=shutil.ignore_patterns("feedback"))
    broken = root / "autograded" / "cai" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = json.loads(broken.read_text())
    next(cell for cell in nb["cells"] if cell["cell_type"] == "code")["execution_count"] = "<img src=x>"
    broken.write_text(json.dumps(nb))
    result, _ = run_with_json_progress(root, "feedback", ASSIGNMENT)
    rendered = pages(root)
    assert "cai" not in rendered and len(rendered) >= 4
    assert f"rendered {len(rendered)} feedback page(s), 0 unchanged" in result.stdout
    assert "no feedback for cai: its page could not be rendered: NotebookValidationError" in result.stderr
