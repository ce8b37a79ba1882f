"""Every command works for dropout and batch_norm, not only fc_nets, with real scores.

Per assignment, two submissions: the reference pasted into the stubs (full marks) and one
mistake of its library (its test cell loses what the release's proof measured, as recorded
in check_quality.json). The cheapest path per command:

- the course: a copy with the committed (proven) release, whose gradebook learns the
  assignment from nbgrader's generate_assignment, as a release leaves it (the proof itself
  is tested in tests/proving and by tests/authoring/test_release.py);
- plain nbgrader (formgrader's Autograde button): ``nbgrader autograde``;
- ``autograder rescore`` (from the records plain nbgrader left in the notebooks),
  ``autograder feedback``, ``autograder report`` (class report and course view);
- an LMS (Canvas) zip through ``autograder grade --submissions``;
- the student's side: ``autograder check`` and nbgrader's Validate;
- formgrader's buttons (Generate, Release, Autograde, Generate feedback) and the panel of our
  JupyterLab extension, as their pages request them from a real JupyterLab on the course (HTTP,
  not a browser: each button is one POST whose handler runs nbgrader in the server process,
  where our hooks run; the pages themselves are tested for fc_nets in tests/browser).
"""

import csv
import datetime
import html
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from browser.lab_process import JupyterLab
from nbgrader.api import Gradebook
from nbgrader.validator import Validator
from support import ASSIGNMENT, COURSE_ID, REPO_ROOT, by_student, copy_course, run_autograder, run_nbgrader

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.authoring.release import generate_with_nbgrader, last_release
from autograder.authoring.release_stamp import inputs_digest, record_proven
from autograder.checks import PUBLIC_CHECKS_FILE
from autograder.course import Course

pytestmark = pytest.mark.slow
# assignment -> a mistake of its library that fails public checks too
MISTAKES = {"dropout": "forward_p_as_drop_probability", "batch_norm": "bn_eps_outside_sqrt"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BUTTON_TIMEOUT = 600  # seconds; formgrader's buttons answer once nbgrader has finished


def notebook_name(assignment):
    return Course(str(REPO_ROOT)).manifest(assignment).notebooks[0]


def submissions(root, assignment):
    """{"correct": the pasted reference, "mistaken": it with the assignment's MISTAKES entry}, and that mistake."""
    name = notebook_name(assignment)
    source = nbformat.read(root / "source_assignments" / assignment / f"{name}.ipynb", 4)
    pasted = paste_reference(nbformat.read(root / "release" / assignment / f"{name}.ipynb", 4), source)
    mistake = load_library(Course(str(root)), assignment).mistakes[MISTAKES[assignment]]
    return {"correct": pasted, "mistaken": apply_edits(pasted, mistake.as_edits())}, mistake


def proven_loss(root, assignment, mistake):
    """(points of the mistake's test cell, points the release's proof saw it lose)."""
    quality = json.loads((root / "grading_bundle" / assignment / "check_quality.json").read_text())
    (entry,) = [m for m in quality["mistakes"] if m["name"] == mistake.name]
    return entry["cell_points"], entry["points_lost"]


def cell_scores(root, assignment, student):
    """grade_id -> (auto_score, max_score) of one submission's autograded cells (not the inline
    answers waiting for a grader), from the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(notebook_name(assignment), assignment, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades if not g.needs_manual_grade}


@pytest.fixture(scope="module", params=sorted(MISTAKES))
def graded(request, tmp_path_factory):
    """(root, assignment, mistake): the two submissions graded by plain `nbgrader autograde`."""
    assignment = request.param
    root = copy_course(tmp_path_factory.mktemp(assignment) / "course")
    generate_with_nbgrader(Course(str(root)), assignment, ".scratch-release")  # the gradebook learns it
    generated = root / ".scratch-release" / assignment / f"{notebook_name(assignment)}.ipynb"
    assert generated.read_bytes() == (root / "release" / assignment / generated.name).read_bytes()
    shutil.rmtree(root / ".scratch-release")
    notebooks, mistake = submissions(root, assignment)
    for student, nb in notebooks.items():
        folder = root / "submitted" / student / assignment
        shutil.copytree(root / "release" / assignment, folder)
        nbformat.write(nb, folder / generated.name)
    run_nbgrader(root, "autograde", assignment)
    return root, assignment, mistake


def test_plain_nbgrader_gives_full_marks_and_takes_the_mistakes_points(graded):
    root, assignment, mistake = graded
    correct, mistaken = cell_scores(root, assignment, "correct"), cell_scores(root, assignment, "mistaken")
    assert all(score == max_score > 0 for score, max_score in correct.values()), correct
    cell_points, lost = proven_loss(root, assignment, mistake)
    assert mistaken[mistake.caught_by] == (cell_points - lost, cell_points) and lost >= cell_points / 4
    assert sum(s for s, _ in mistaken.values()) < sum(s for s, _ in correct.values())


def test_rescore_feedback_and_report_follow(graded, tmp_path):
    root, assignment, mistake = graded
    before = {student: cell_scores(root, assignment, student) for student in ("correct", "mistaken")}
    run_autograder(root, "rescore", assignment)  # from the records plain nbgrader left in the notebooks
    assert {student: cell_scores(root, assignment, student) for student in before} == before
    run_autograder(root, "feedback", assignment)
    name = notebook_name(assignment)
    page = html.unescape((root / "feedback" / "mistaken" / assignment / f"{name}.html").read_text())
    assert mistake.diagnosis in page and "FAIL" in page
    assert "FAIL" not in html.unescape((root / "feedback" / "correct" / assignment / f"{name}.html").read_text())
    result = run_autograder(root, "report", assignment)
    assert "class report: " in result.stdout and "course view: " in result.stdout
    numbers = json.loads((root / "reports" / f"{assignment}_report.json").read_text())
    assert numbers["counts"]["graded"] == 2
    with open(root / "reports" / "course.csv", newline="") as f:
        course = {row["student"]: row for row in csv.DictReader(f)}
    for student, scores in before.items():  # autograded points in the assignment's column; an inline answer waits
        points = sum(score for score, _ in scores.values())
        assert (
            course[student][assignment].startswith(f"{points:g} / ") and course[student]["fc_nets"] == "no submission"
        )
    assert float(course["mistaken"]["total"]) < float(course["correct"]["total"])


def test_an_lms_zip_is_graded_like_the_submitted_folder(graded, tmp_path):
    root, assignment, mistake = graded
    name = notebook_name(assignment)
    mistaken = (root / "submitted" / "mistaken" / assignment / f"{name}.ipynb").read_text()
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(f"lovelaceada_1001_5001_{name}.ipynb", mistaken)
    result = run_autograder(root, "grade", assignment, "--submissions", str(export), "--json")
    assert by_student(result)["1001"]["score"] == sum(s for s, _ in cell_scores(root, assignment, "mistaken").values())
    assert cell_scores(root, assignment, "1001") == cell_scores(root, assignment, "mistaken")


@pytest.mark.parametrize("assignment", sorted(MISTAKES))
def test_the_student_s_check_and_validate_fail_the_mistake_s_checks_with_its_diagnosis(assignment, tmp_path):
    notebooks, mistake = submissions(REPO_ROOT, assignment)
    name = notebook_name(assignment)
    folder = tmp_path / "my_work"
    shutil.copytree(REPO_ROOT / "release" / assignment, folder)
    nbformat.write(notebooks["mistaken"], folder / f"{name}.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(folder / f"{name}.ipynb"), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    failed = [c for c in outcome["checks"] if not c["passed"]]
    assert failed and 0 < outcome["score"] < outcome["max_score"]
    assert any(c["name"].startswith(f"{mistake.cell}.") for c in failed)
    assert any(mistake.diagnosis in c["diagnosis"] for c in failed)
    validated = Validator().validate(str(folder / f"{name}.ipynb"))
    errors = [ANSI.sub("", cell["raw_error"]) for cell in validated["failed"]]
    assert any("visible check(s) failed in this cell" in e and f"{mistake.cell}." in e for e in errors), errors
    assert any(mistake.diagnosis in e for e in errors)


def folder_bytes(folder):
    """relative path -> content of every file under ``folder``."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def server_api(lab, method, path, body=None):
    """The server's answer, as JSON, to a request a page makes (formgrader's buttons and forms, our panel)."""
    request = urllib.request.Request(
        f"{lab.url}/{path}",
        method=method,
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
        data=json.dumps(body or {}).encode() if method != "GET" else None,
    )
    with urllib.request.urlopen(request, timeout=BUTTON_TIMEOUT) as response:
        return json.loads(response.read())


def press(lab, button):
    """Press one of formgrader's buttons: (nbgrader's log and traceback, if any; whether it succeeded)."""
    result = server_api(lab, "POST", f"formgrader/api/{button}")
    return result.get("log", "") + result.get("error", ""), result["success"]


def set_due_date(lab, assignment, days):
    """Give ``assignment`` a due date ``days`` from now, as formgrader's Edit form does."""
    due = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)
    form = {"duedate_notimezone": due.strftime("%Y-%m-%dT%H:%M"), "duedate_timezone": "+0000"}
    assert server_api(lab, "PUT", f"formgrader/api/assignment/{assignment}", form)["duedate"] is not None


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory):
    """(JupyterLab with nbgrader's and our extensions on the graded course, the exchange root its
    Release button hands out to). The course is left as the `autograder release` that made the
    committed release left it: the files it generated beside the source notebook, a copy of the
    release, and the stamp of a proven release (tests/authoring/test_release.py checks the
    committed release is the proven one), so that Generate skips the proof (tests/proving)."""
    root, assignment, _ = graded
    course = Course(str(root))
    release = Path(course.release(assignment))
    for name in ("nnsupport", PUBLIC_CHECKS_FILE):  # the release wrote them beside the source notebook too
        target = Path(course.source(assignment)) / name
        if (release / name).is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(release / name, target)
        else:
            shutil.copy(release / name, target)
    shutil.copytree(release, last_release(course, assignment))
    record_proven(course, assignment, inputs_digest(course, assignment))
    home = tmp_path_factory.mktemp(f"{assignment}-formgrader")
    exchange = home / "exchange"
    exchange.mkdir()
    (home / "config").mkdir()
    (home / "config" / "nbgrader_config.py").write_text(f"c.Exchange.root = {str(exchange)!r}\n")
    with JupyterLab(root, home, [f"--ServerApp.root_dir={root}", f"--CourseDirectory.root={root}"]) as lab:
        yield lab, exchange


def test_formgrader_generates_and_releases_only_once_the_answers_it_ships_are_due(graded, formgrader):
    """Generate regenerates the committed release; Release refuses it while fc_nets, whose answers
    it ships solved (support.solved_after), has no due date or one ahead, and hands it out after."""
    root, assignment, _ = graded
    lab, exchange = formgrader
    name = notebook_name(assignment)
    clicked = time.time()
    log, success = press(lab, f"assignment/{assignment}/assign")
    assert success and f"nothing changed since the last proven release of {assignment}" in log, log
    assert "Withdrew" not in log, log
    assert (root / "release" / assignment / f"{name}.ipynb").stat().st_mtime >= clicked - 1  # nbgrader wrote it
    assert folder_bytes(root / "release" / assignment) == folder_bytes(REPO_ROOT / "release" / assignment)

    outbound = exchange / COURSE_ID / "outbound" / assignment
    log, success = press(lab, f"assignment/{assignment}/release")
    assert not success and not outbound.exists()
    assert f"{ASSIGNMENT} (has no due date in the gradebook" in log and "support.solved_after" in log, log
    set_due_date(lab, ASSIGNMENT, days=1)
    log, success = press(lab, f"assignment/{assignment}/release")
    assert not success and not outbound.exists() and f"{ASSIGNMENT} (is due " in log, log
    set_due_date(lab, ASSIGNMENT, days=-1)
    log, success = press(lab, f"assignment/{assignment}/release")
    assert success, log
    assert folder_bytes(outbound) == folder_bytes(REPO_ROOT / "release" / assignment)


def test_formgrader_autograde_gives_full_marks_and_takes_the_mistakes_proven_points(graded, formgrader):
    root, assignment, mistake = graded
    lab, _ = formgrader
    for student in ("correct", "mistaken"):
        clicked = time.time()
        log, success = press(lab, f"submission/{assignment}/{student}/autograde")
        assert success, log
        state_file = root / "autograded" / student / assignment / ".autograder.json"
        assert state_file.stat().st_mtime >= clicked - 1  # our post_convert_hook ran for this click
        state = json.loads(state_file.read_text())
        shown = server_api(lab, "GET", f"formgrader/api/submission/{assignment}/{student}")  # formgrader's total
        assert (state["status"], state["score"]) == ("graded", shown["score"]), (state, shown)
    correct, mistaken = cell_scores(root, assignment, "correct"), cell_scores(root, assignment, "mistaken")
    assert all(score == max_score > 0 for score, max_score in correct.values()), correct
    cell_points, lost = proven_loss(root, assignment, mistake)
    assert mistaken[mistake.caught_by] == (cell_points - lost, cell_points)
    assert list((root / "autograded").rglob(".kernel-*")) == []  # the sandboxed kernels' folders are gone


def test_formgrader_generate_feedback_shows_the_mistake_s_diagnosis(graded, formgrader):
    root, assignment, mistake = graded
    lab, _ = formgrader
    name = notebook_name(assignment)
    pages = {}
    for student in ("correct", "mistaken"):
        clicked = time.time()
        log, success = press(lab, f"assignment/{assignment}/{student}/generate_feedback")
        assert success, log
        path = root / "feedback" / student / assignment / f"{name}.html"
        assert path.stat().st_mtime >= clicked - 1
        pages[student] = html.unescape(path.read_text())
    assert mistake.diagnosis in pages["mistaken"] and "FAIL" in pages["mistaken"]
    assert "FAIL" not in pages["correct"]
    assert all('http-equiv="Content-Security-Policy"' in page for page in pages.values())


def test_the_instructor_panel_shows_the_assignment_graded(graded, formgrader):
    root, assignment, _ = graded
    lab, _ = formgrader
    answer = server_api(lab, "GET", "autograder/api/assignments")
    (shown,) = [a for a in answer["assignments"] if a["assignment"] == assignment]
    quality = json.loads((root / "grading_bundle" / assignment / "check_quality.json").read_text())
    # test_an_lms_zip_is_graded_like_the_submitted_folder graded 1001 from a zip: no submitted/ folder
    submitted = 2 + (root / "autograded" / "1001" / assignment).is_dir()
    assert shown["released"] is True and shown["notebooks"] == [f"{notebook_name(assignment)}.ipynb"]
    assert shown["proof"] == quality["summary"]
    assert (shown["submissions"], shown["graded"], shown["could_not_be_graded"]) == (submitted, submitted, 0), shown
