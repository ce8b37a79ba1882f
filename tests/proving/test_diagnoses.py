"""Known mistakes are named in every feedback channel: the JSON report and the feedback pages."""

import html
import shutil

import nbformat
import pytest
from support import ASSIGNMENT, GRADING_LIMITS, NOTEBOOK, by_student, clone, run_autograder

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course

pytestmark = pytest.mark.slow

MISTAKES = [
    "affine_forward_no_bias",
    "affine_backward_db_mean",
    "relu_backward_mask_on_dout",
    "softmax_global_max",
    "init_random_biases",
    "relu_on_scores",
    "l2_without_last_layer",
    "momentum_velocity_not_stored",
    "nesterov_one_minus_momentum",
    "adagrad_eps_inside_sqrt",
    "rmsprop_eps_inside_sqrt",
    "adam_bias_correction_without_t",
]


@pytest.fixture(scope="module")
def diagnosed(released_course, tmp_path_factory):
    root = clone(released_course, tmp_path_factory.mktemp("diagnoses") / "course")
    library = load_library(Course(root), ASSIGNMENT)
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    for name in MISTAKES:
        folder = root / "submitted" / name / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        nbformat.write(apply_edits(pasted, library.mistakes[name].as_edits()), folder / f"{NOTEBOOK}.ipynb")
    result = run_autograder(root, "grade", ASSIGNMENT, "--json", *GRADING_LIMITS)
    run_autograder(root, "feedback", ASSIGNMENT)
    return root, by_student(result), library


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_mistakes_diagnosis_reaches_the_student(diagnosed, mistake):
    root, students, library = diagnosed
    change = library.mistakes[mistake]
    failed = [
        c for c in students[mistake]["checks"] if c["cell"] == change.caught_by and c["scored"] and not c["passed"]
    ]
    assert failed and all(change.diagnosis in c["diagnosis"] for c in failed), failed
    page = html.unescape((root / "feedback" / mistake / ASSIGNMENT / f"{NOTEBOOK}.html").read_text())
    assert change.diagnosis in page
