"""A student of batch_norm and of dropout checks their work in JupyterLab with our extension.

As for fc_nets (test_extension.py): the released notebook with the reference pasted in but
one cell written with a mistake of the assignment's library; Check names the failing public
checks with the mistake's diagnosis and marks the cell's test with ✗; the cell typed right,
Check saves and every public check passes.
"""

import shutil

import nbformat
import pytest
from headless_chromium import console_errors, log_in, new_context
from lab_process import JupyterLab
from playwright.sync_api import expect
from support import REPO_ROOT

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow
CHECK_TIMEOUT = 180_000  # ms; a check runs the whole notebook, on a shared machine

CASES = {
    "batch_norm": dict(
        notebook="BatchNormalization",
        mistake="bn_momentum_other_convention",
        cell="batchnorm_forward",
        failing="batchnorm_forward.running_averages",
        diagnosis="momentum is the weight of the old running value",
        test_cell="test_batchnorm_forward",
        public_checks=15,
    ),
    "dropout": dict(
        notebook="Dropout",
        mistake="forward_p_as_drop_probability",
        cell="dropout_forward",
        failing="dropout_forward.properties",
        diagnosis="p is the probability of keeping a unit",
        test_cell="test_dropout_forward",
        public_checks=7,
    ),
}


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    """JupyterLab on a folder holding copies of release/batch_norm and release/dropout."""
    home = tmp_path_factory.mktemp("students")
    for assignment in CASES:
        shutil.copytree(REPO_ROOT / "release" / assignment, home / "work" / assignment)
    with JupyterLab(home / "work", home) as lab:
        yield lab


def cell_sources(assignment, case):
    """(finished notebook with the mistake, the mistaken cell's source, the reference's)."""
    source = nbformat.read(REPO_ROOT / "source_assignments" / assignment / f"{case['notebook']}.ipynb", 4)
    released = nbformat.read(REPO_ROOT / "release" / assignment / f"{case['notebook']}.ipynb", 4)
    finished = paste_reference(released, source)
    mistake = load_library(Course(REPO_ROOT), assignment).mistakes[case["mistake"]]
    wrong = apply_edits(finished, mistake.as_edits())

    def cell(nb):
        return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == case["cell"])

    return wrong, cell(wrong), cell(finished)


def press_check(page):
    page.locator(".jp-NotebookPanel-toolbar .nn-autograder-check-button").first.click()
    expect(page.locator("#nn-autograder-check-panel .nn-autograder-summary")).to_be_visible(timeout=CHECK_TIMEOUT)
    return page.locator("#nn-autograder-check-panel")


@pytest.mark.parametrize("assignment", sorted(CASES))
def test_a_mistake_is_named_in_the_panel_then_the_fixed_cell_passes(browser, student_lab, assignment):
    case = CASES[assignment]
    notebook, wrong, right = cell_sources(assignment, case)
    path = f"{assignment}/{case['notebook']}.ipynb"
    nbformat.write(notebook, student_lab.cwd / path)
    context = new_context(browser)
    # A workspace of its own: JupyterLab would otherwise reopen the other assignment's notebook.
    page = log_in(context.new_page(), student_lab, f"/lab/workspaces/{assignment}/tree/{path}")
    errors = console_errors(page)
    try:
        expect(page.locator(".jp-NotebookPanel .jp-Cell").first).to_be_visible()
        panel = press_check(page)
        expect(panel.locator(".nn-autograder-summary")).to_contain_text("failed")
        failing = panel.locator(".nn-autograder-failing .nn-autograder-check")
        expect(failing.first).to_be_visible()
        assert case["failing"] in failing.locator(".nn-autograder-check-name").all_inner_texts()
        named = failing.filter(has=page.locator(".nn-autograder-check-name", has_text=case["failing"]))
        diagnosis = named.locator(".nn-autograder-diagnosis").inner_text()
        assert case["diagnosis"] in diagnosis and "consistent with" not in diagnosis, diagnosis
        failed_cells = panel.locator(".nn-autograder-cells > .nn-autograder-cell.nn-autograder-fail")
        assert case["test_cell"] in failed_cells.evaluate_all("items => items.map(i => i.dataset.cell)")

        editor = page.locator(".jp-NotebookPanel .jp-CodeCell", has_text=f"def {case['cell']}(").locator(".cm-content")
        editor.first.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(right)  # as pasted: no auto-indentation on top of it
        panel = press_check(page)  # saves first: the check reads the saved file
        expect(panel.locator(".nn-autograder-summary")).to_contain_text(f"{case['public_checks']} passed, 0 failed")
        assert panel.locator(".nn-autograder-cells > .nn-autograder-fail").count() == 0
        saved = nbformat.read(student_lab.cwd / path, as_version=4)
        assert any(c.source == right for c in saved.cells) and not any(c.source == wrong for c in saved.cells)
        assert [e for e in errors if "autograder" in e.lower()] == []
    finally:
        context.close()
