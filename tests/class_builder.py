"""Build a small class of submissions from a released course (for the grading tests)."""

import shutil

import nbformat
from support import ASSIGNMENT, NOTEBOOK

from autograder.authoring.library import apply_edits, edit_solution, load_library, paste_reference
from autograder.course import Course
from autograder.demo.sample_class import FC_NETS


def _without_cell(nb, grade_id):
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def _with_points(nb, grade_id, points):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.metadata.nbgrader.points = points
    return nb


def _from_another_assignment(nb):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader.grade_id = "cnn_" + cell.metadata.nbgrader.grade_id
    return nb


def class_notebooks(root):
    """student -> notebook (or raw text for a broken file) for a class with every case."""
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    return {
        "ada": pasted,
        "ben": released,
        "cai": apply_edits(pasted, load_library(Course(root), ASSIGNMENT).mistakes["relu_on_scores"].as_edits()),
        "dee": "{ this is not a notebook",
        "eli": _with_points(_without_cell(pasted, "test_relu_forward"), "test_adam", 100),
        "fay": edit_solution(pasted, *FC_NETS.infinite_loop),
        "ivy": _from_another_assignment(released),
    }


def write_submissions(root, notebooks, target=None):
    """Write each student's notebook (or raw text) into a copy of the release under
    ``target`` (default root/submitted), as nbgrader's collect leaves it."""
    target = target or root / "submitted"
    for student, nb in notebooks.items():
        folder = target / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        path = folder / f"{NOTEBOOK}.ipynb"
        if isinstance(nb, str):
            path.write_text(nb)
        else:
            nbformat.write(nb, path)
    return target


def write_class(root, target=None):
    """Write the class into ``target`` (default root/submitted), plus two broken folders."""
    target = write_submissions(root, class_notebooks(root), target)
    (target / "gus" / ASSIGNMENT).mkdir(parents=True)  # an empty folder
    (target / "hal" / "fc_net").mkdir(parents=True)  # the wrong assignment name
    (target / "hal" / "fc_net" / f"{NOTEBOOK}.ipynb").write_text("{}")
    return target
