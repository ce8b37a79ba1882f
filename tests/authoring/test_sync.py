"""`autograder sync`: solution cells and provided cells stay equal to course/; drift is refused."""

import shutil

from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, copy_course, run_autograder

from autograder.authoring.sync import drifted_cells, sync_solutions
from autograder.course import Course

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def test_solution_cells_match_course_and_drift_is_detected(tmp_path):
    manifest = Course(REPO_ROOT).manifest(ASSIGNMENT)
    assert drifted_cells(SOURCE, REPO_ROOT / "course", manifest) == []
    course = tmp_path / "course"
    shutil.copytree(REPO_ROOT / "course", course)
    optim = course / "optim.py"
    optim.write_text(optim.read_text().replace("next_w = w + v", "next_w = w + 1.0 * v"))
    notebook = tmp_path / "nb.ipynb"
    shutil.copy(SOURCE, notebook)
    assert drifted_cells(notebook, course, manifest) == ["sgd_momentum"]
    assert sync_solutions(notebook, course, manifest) == ["sgd_momentum"]
    assert drifted_cells(notebook, course, manifest) == []


def test_release_refuses_drifted_solutions(tmp_path):
    root = copy_course(tmp_path)
    layers = root / "course" / "layers.py"
    layers.write_text(layers.read_text().replace("out = np.maximum(x, 0)", "out = x * (x > 0)"))
    result = run_autograder(root, "release", ASSIGNMENT, check=False)
    assert result.returncode == 1
    assert "relu_forward" in result.stderr and "autograder sync fc_nets" in result.stderr
