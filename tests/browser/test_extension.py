"""The autograder's own JupyterLab extension, as students and instructors use it.

Students (a server on the release alone): in JupyterLab 4 and in Notebook 7, a wrong Adam
checked with the toolbar's Check button names the failing Adam checks and their diagnosis
in the side panel and on the cell's badge; typed right, Check saves the notebook and every
test cell reads ✓. The panel renders 50 test cells in under 100 ms (the panel measures
itself with performance.now()). Requests without a token, without the XSRF header, and
instructor requests to a student's server are refused. Instructors (a server on the course
directory): release with its progress bar, grade, and the class report inside JupyterLab.
"""

import json
import shutil
import urllib.parse

import nbformat
import pytest
from headless_chromium import console_errors, log_in, new_context
from lab_process import JupyterLab
from playwright.sync_api import expect
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, clone

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow
NOTEBOOK_PATH = f"{ASSIGNMENT}/{NOTEBOOK}.ipynb"
CHECK_TIMEOUT = 180_000  # ms; a check runs the whole notebook (seconds), on a shared machine
JOB_TIMEOUT = 1_200_000  # ms; a release proves every check (minutes on two shared cores)
RENDER_BUDGET_MS = 100


def finished_notebook():
    source = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    released = nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return paste_reference(released, source)


def adam_sources():
    """(wrong, right): the adam cell with the bias-correction mistake, and the reference's."""
    mistake = load_library(Course(REPO_ROOT), ASSIGNMENT).mistakes["adam_no_bias_correction"]

    def adam(nb):
        return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "adam")

    return adam(apply_edits(finished_notebook(), mistake.as_edits())), adam(finished_notebook())


@pytest.fixture(scope="module")
def extension_lab(tmp_path_factory):
    """JupyterLab (which also serves Notebook 7) on a folder holding a copy of release/fc_nets."""
    home = tmp_path_factory.mktemp("extension-student")
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, home / "work" / ASSIGNMENT)
    with JupyterLab(home / "work", home) as lab:
        yield lab


def open_notebook(browser, lab, url_path, nb):
    nbformat.write(nb, lab.cwd / NOTEBOOK_PATH)
    context = new_context(browser)
    page = log_in(context.new_page(), lab, url_path)
    expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible()
    return context, page


def type_into_cell(page, marker, source):
    page.locator(".jp-NotebookPanel .jp-CodeCell", has_text=marker).locator(".cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)  # as pasted: no auto-indentation on top of it


def press_check(page):
    page.locator(".jp-NotebookPanel-toolbar .nn-autograder-check-button").first.click()
    expect(page.locator("#nn-autograder-check-panel .nn-autograder-summary")).to_be_visible(timeout=CHECK_TIMEOUT)
    return page.locator("#nn-autograder-check-panel")


def student_flow(browser, lab, url_path):
    """Wrong Adam -> the failing Adam checks with their diagnosis; typed right -> all ✓."""
    wrong, right = adam_sources()
    context, page = open_notebook(browser, lab, url_path, finished_notebook())
    errors = console_errors(page)
    try:
        type_into_cell(page, "def adam(", wrong)
        panel = press_check(page)
        expect(panel.locator(".nn-autograder-summary")).to_contain_text("failed")
        failing = panel.locator(".nn-autograder-failing .nn-autograder-check")
        expect(failing.first).to_be_visible()
        names = failing.locator(".nn-autograder-check-name").all_inner_texts()
        assert "adam.next_w" in names and all(name.startswith("adam.") for name in names)
        next_w = failing.filter(has=page.locator(".nn-autograder-check-name", has_text="adam.next_w"))
        expect(next_w.locator(".nn-autograder-measured")).to_contain_text("> tolerance 1.00e-07")
        assert next_w.locator(".nn-autograder-diagnosis").inner_text().strip()
        # Every other test cell passed; the Adam test cell carries a ✗ badge.
        cells = panel.locator(".nn-autograder-cells > .nn-autograder-cell")
        assert cells.count() >= 14
        assert panel.locator(".nn-autograder-cells > .nn-autograder-cell.nn-autograder-fail").evaluate_all(
            "items => items.map(i => i.dataset.cell)"
        ) == ["test_adam"]
        badge = page.locator(".jp-CodeCell", has_text='expect_close("adam.next_w"').locator(".nn-autograder-badge")
        expect(badge).to_have_class("nn-autograder-badge nn-autograder-fail")
        # A click on the failing check makes the Adam test cell the active one.
        next_w.click()
        expect(page.locator(".jp-Notebook .jp-Cell.jp-mod-active")).to_contain_text('expect_close("adam.next_w"')

        type_into_cell(page, "def adam(", right)
        panel = press_check(page)  # saves first: the check reads the saved file
        expect(panel.locator(".nn-autograder-summary")).to_contain_text("35 passed, 0 failed")
        assert panel.locator(".nn-autograder-failing").count() == 0
        assert panel.locator(".nn-autograder-cells > .nn-autograder-fail").count() == 0
        expect(badge).to_have_class("nn-autograder-badge nn-autograder-pass")
        saved = nbformat.read(lab.cwd / NOTEBOOK_PATH, as_version=4)
        assert any(c.source == right for c in saved.cells)
        assert [e for e in errors if "autograder" in e.lower()] == []
    finally:
        context.close()


def test_the_student_flow_in_jupyterlab(browser, extension_lab):
    student_flow(browser, extension_lab, f"/lab/tree/{NOTEBOOK_PATH}")


def test_the_student_flow_in_notebook_7(browser, extension_lab):
    student_flow(browser, extension_lab, f"/notebooks/{NOTEBOOK_PATH}")


def test_the_panel_renders_50_test_cells_in_under_100_ms(browser, extension_lab):
    """The check's answer is replaced by one of 50 test cells (two checks each, one failing),
    so that only the panel is measured."""
    checks = [
        {
            "cell": f"test_{i:02d}",
            "name": f"cell_{i:02d}.{part}",
            "passed": part == "a",
            "error": 1e-9 if part == "a" else 0.5,
            "tolerance": 1e-8,
            "diagnosis": None if part == "a" else "the values are about 2x too large, by the same factor everywhere",
            "message": "relative error",
        }
        for i in range(50)
        for part in "ab"
    ]
    answer = {"passed": 50, "failed": 50, "seconds": 1.0, "checks": checks}
    context, page = open_notebook(browser, extension_lab, f"/lab/tree/{NOTEBOOK_PATH}", finished_notebook())
    try:
        page.route(
            lambda url: urllib.parse.urlsplit(url).path.endswith("/autograder/api/check"),
            lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(answer)),
        )
        panel = press_check(page)
        expect(panel).to_have_attribute("data-checks", "100")
        assert panel.locator(".nn-autograder-cells > .nn-autograder-cell").count() >= 50
        render_ms = float(panel.get_attribute("data-render-ms"))
        print(f"panel render: {render_ms:.1f} ms for 50 test cells, 100 checks")
        assert render_ms < RENDER_BUDGET_MS
    finally:
        context.close()


def test_requests_without_token_or_xsrf_and_instructor_requests_are_refused(browser, extension_lab):
    lab = extension_lab
    anonymous = new_context(browser)
    try:
        response = anonymous.request.post(f"{lab.url}/autograder/api/check", data={"path": NOTEBOOK_PATH})
        assert response.status == 403
        assert anonymous.request.get(f"{lab.url}/autograder/api/assignments").status == 403
    finally:
        anonymous.close()
    context, page = open_notebook(browser, lab, f"/lab/tree/{NOTEBOOK_PATH}", finished_notebook())
    try:
        # Logged in (cookie), but no XSRF token: refused; with the token from the _xsrf cookie: accepted.
        url = f"{lab.url}/autograder/api/check/prepare"
        assert page.request.post(url, data={"path": NOTEBOOK_PATH}).status == 403
        xsrf = next(c["value"] for c in context.cookies() if c["name"] == "_xsrf")
        assert page.request.post(url, data={"path": NOTEBOOK_PATH}, headers={"X-XSRFToken": xsrf}).status == 200
        # A student's server has no instructor endpoints, and JupyterLab shows no Autograder panel.
        assert page.request.get(f"{lab.url}/autograder/api/assignments").status == 404
        denied = page.request.post(
            f"{lab.url}/autograder/api/jobs",
            headers={"X-XSRFToken": xsrf},
            data={"command": "grade", "assignment": ASSIGNMENT},
        )
        assert denied.status == 404
        page.goto(f"{lab.url}/lab?reset")  # a fresh workspace: the launcher, not the notebook
        expect(page.locator(".jp-Launcher")).to_be_visible()
        assert page.locator(".jp-LauncherCard", has_text="Autograder").count() == 0
    finally:
        context.close()


@pytest.fixture(scope="module")
def course_lab(released_course, tmp_path_factory):
    """JupyterLab on a course directory (released, two submissions not graded yet)."""
    from class_builder import class_notebooks, write_submissions

    root = clone(released_course, tmp_path_factory.mktemp("extension-course") / "course")
    # An edited library: the panel's release has its checks to prove again (unchanged, it says nothing changed).
    with open(root / "grading_bundle" / ASSIGNMENT / "mistakes.py", "a") as f:
        f.write("\n# edited in JupyterLab\n")
    notebooks = class_notebooks(root)
    write_submissions(root, {student: notebooks[student] for student in ("ada", "cai")})
    args = [f"--ServerApp.root_dir={root}", f"--CourseDirectory.root={root}"]
    with JupyterLab(root, tmp_path_factory.mktemp("extension-course-home"), args) as lab:
        yield lab


def run_job(page, assignment, command):
    row = page.locator(f'tr.nn-autograder-assignment[data-assignment="{assignment}"]')
    row.locator(f'button[data-command="{command}"]').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(f"{command} {assignment}?")
    dialog.get_by_role("button", name=command).click()
    card = page.locator(".nn-autograder-job", has_text=f"{command} {assignment}").first
    expect(card).to_be_visible()
    return card


def test_the_instructor_flow_release_grade_and_report_in_the_panel(browser, course_lab):
    context = new_context(browser)
    page = log_in(context.new_page(), course_lab, "/lab")
    try:
        page.locator(".jp-LauncherCard", has_text="Autograder").click()
        row = page.locator(f'tr.nn-autograder-assignment[data-assignment="{ASSIGNMENT}"]')
        expect(row).to_contain_text("mistakes caught:")  # the proof's summary line

        release = run_job(page, ASSIGNMENT, "release")
        bar = release.locator("progress.nn-autograder-bar")
        expect(release.locator(".nn-autograder-job-step")).to_contain_text("proving the checks", timeout=JOB_TIMEOUT)
        assert int(bar.get_attribute("max")) > 10  # the proof's trials (37 for fc_nets), counted as they finish
        expect(release).to_have_attribute("data-state", "succeeded", timeout=JOB_TIMEOUT)
        expect(release.locator(".nn-autograder-job-summary, .nn-autograder-job-log")).to_contain_text(
            "mistakes caught:"
        )

        grade = run_job(page, ASSIGNMENT, "grade")
        expect(grade).to_have_attribute("data-state", "succeeded", timeout=JOB_TIMEOUT)
        expect(row.locator("td").nth(4)).to_have_text("2")  # graded

        report = run_job(page, ASSIGNMENT, "report")
        expect(report).to_have_attribute("data-state", "succeeded", timeout=JOB_TIMEOUT)
        frame = page.locator("iframe.nn-autograder-report-frame")
        expect(frame).to_be_visible()
        assert frame.get_attribute("sandbox") == ""  # no script, no access to JupyterLab
        expect(
            page.frame_locator("iframe.nn-autograder-report-frame").get_by_role(
                "heading", name=f"Class report: {ASSIGNMENT}"
            )
        ).to_be_visible()
    finally:
        context.close()
