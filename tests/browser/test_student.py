"""A student in JupyterLab on the release alone (no course, no grading bundle, no
nbgrader_config.py), with nbgrader's assignment list and Validate button, set up as the
README's student walk-through says: formgrader and the authoring tools are switched off."""

import shutil

import nbformat
import pytest
from headless_chromium import log_in, new_context
from lab_process import JupyterLab
from playwright.sync_api import expect
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow
NOTEBOOK_PATH = f"{ASSIGNMENT}/{NOTEBOOK}.ipynb"
VALIDATE_TIMEOUT = 180_000  # ms; Validate runs the whole notebook in a new kernel


@pytest.fixture(scope="session")  # not module: the browser modules may run interleaved
def student_lab(tmp_path_factory):
    """JupyterLab started in a folder that holds a copy of release/fc_nets and nothing else.

    The README's `jupyter labextension disable` commands run against this server's own
    config folder; its `jupyter server extension disable` writes to the environment, which
    other tests share, so the same switch is given on this server's command line."""
    home = tmp_path_factory.mktemp("student")
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, home / "work" / ASSIGNMENT)
    lab = JupyterLab(
        home / "work", home, ["--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False"]
    )
    lab.jupyter(
        "labextension", "disable", "--level=user", "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"
    )
    with lab:
        yield lab


def finished_notebook():
    """The release notebook with every solution written: the reference's."""
    source = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    released = nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return paste_reference(released, source)


@pytest.fixture
def student(browser, student_lab):
    """The student's finished notebook, open in JupyterLab."""
    nbformat.write(finished_notebook(), student_lab.cwd / NOTEBOOK_PATH)
    context = new_context(browser)
    page = log_in(context.new_page(), student_lab, f"/lab/tree/{NOTEBOOK_PATH}")
    expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible()
    yield page
    context.close()


def validate(page):
    """Click nbgrader's Validate button; the text of the dialog with the results."""
    page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    expect(dialog).to_be_visible(timeout=VALIDATE_TIMEOUT)
    return dialog.inner_text()


def test_the_student_lab_shows_no_formgrader(student, student_lab):
    assert student.request.get(f"{student_lab.url}/formgrader").status == 404
    student.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = student.locator(".lm-Menu-content")
    expect(menu).to_contain_text("Assignment List")
    assert "Formgrader" not in menu.inner_text()


def test_validate_passes_a_finished_notebook(student):
    assert "Success! Your notebook passes all the tests." in validate(student)


def test_validate_names_the_failing_public_check(student):
    """Adam without bias correction typed into the adam cell: only adam.next_w is off."""
    mistake = load_library(Course(REPO_ROOT), ASSIGNMENT).mistakes["adam_no_bias_correction"]
    wrong = apply_edits(finished_notebook(), mistake.as_edits())
    adam = next(cell.source for cell in wrong.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "adam")
    student.locator(".jp-NotebookPanel .jp-CodeCell", has_text="def adam(").locator(".cm-content").click()
    student.keyboard.press("Control+A")
    student.keyboard.insert_text(adam)  # as pasted: no auto-indentation on top of it
    results = validate(student)
    assert "There was an error running the validate command" not in results
    assert "Success" not in results
    assert "adam.next_w" in results
