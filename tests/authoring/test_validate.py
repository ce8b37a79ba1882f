"""nbgrader's Validate on the release as students have it: it tells the truth.

Validate runs only the student's notebook (no judging); our checks make a failing
public check fail its cell there, naming every failing check with its diagnosis.
"""

import re
import shutil

import nbformat
import pytest
from nbgrader.validator import Validator
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def validate(tmp_path, nb):
    folder = tmp_path / "student"
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, folder)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    return Validator().validate(str(folder / f"{NOTEBOOK}.ipynb"))


def notebooks():
    source = nbformat.read(REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    return released, paste_reference(released, source)


def test_the_reference_passes(tmp_path):
    _, pasted = notebooks()
    assert validate(tmp_path, pasted) == {}


def test_a_wrong_adam_fails_its_cell_naming_each_failing_check_and_its_diagnosis(tmp_path):
    _, pasted = notebooks()
    mistake = load_library(Course(REPO_ROOT), ASSIGNMENT).mistakes["adam_bias_correction_without_t"]
    result = validate(tmp_path, apply_edits(pasted, mistake.as_edits()))
    (failed,) = result["failed"]
    assert "adam(" in failed["source"]
    error = ANSI.sub("", failed["raw_error"])
    assert "AssertionError: 3 visible check(s) failed in this cell" in error
    assert "adam.next_w error: 3.21e-02 (tolerance 1e-07): too large" in error
    assert "adam.tiny_gradients error" in error and "adam.two_steps error" in error
    assert error.count(mistake.diagnosis) == 3
    assert "adam.hidden" not in error  # the release has no hidden checks to leak


def test_an_unfinished_notebook_fails_listing_its_unfinished_cells(tmp_path):
    released, _ = notebooks()
    failed = validate(tmp_path, released)["failed"]
    errors = [ANSI.sub("", cell["raw_error"]) for cell in failed]
    # Every test cell of the code fails on its unwritten function, the inline question is
    # unanswered and best_model was never trained (best_config is unfinished).
    assert sum("NotImplementedError" in error for error in errors) == 13
    assert "You did not provide a response." in errors
    assert any("name 'best_model' is not defined" in error for error in errors)
    assert len(failed) == 15
