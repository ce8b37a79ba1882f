"""The leak check: no solution line, hidden test, answer or hidden expected value in a release."""

import json
import shutil

import nbformat
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.authoring.leaks import find_leaks, secret_lines
from autograder.checks import MIME_TYPE
from autograder.course import Course

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
MANIFEST = Course(REPO_ROOT).manifest(ASSIGNMENT)


def bundle_cells():
    with open(REPO_ROOT / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json") as f:
        return json.load(f)["cells"]


def test_committed_release_has_no_leaks():
    leaks = find_leaks(
        str(REPO_ROOT / "release" / ASSIGNMENT), [str(SOURCE)], str(REPO_ROOT / "course"), bundle_cells(), MANIFEST
    )
    assert leaks == []


def test_secrets_cover_solutions_hidden_tests_and_answers():
    secrets = secret_lines([str(SOURCE)], str(REPO_ROOT / "course"), MANIFEST)
    origins = set(secrets.values())
    assert any("solution code in affine_forward" in o for o in origins)
    assert any("hidden tests in test_adam" in o for o in origins)
    assert any("the answer in inline_question_adagrad" in o for o in origins)
    assert any("course/layers.py" in o for o in origins)  # e.g. batchnorm, not in this notebook


def test_leak_check_finds_each_kind_of_leak(tmp_path):
    release = tmp_path / ASSIGNMENT
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, release)
    cells = bundle_cells()
    hidden = next(spec for spec in cells["test_adam"] if not spec["public"])
    # A solution line in a support module, hidden test code in notebook metadata, a hidden
    # expected value in an output, and an import of the reference package.
    with open(release / "nnsupport" / "optim.py", "a") as f:
        f.write('\n    next_w = w - config["momentum"] * v_prev + (1 + config["momentum"]) * v\n')
    nb = nbformat.read(release / f"{NOTEBOOK}.ipynb", 4)
    nb.metadata["notes"] = "rng = np.random.default_rng(2032)"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    code[1].outputs = [nbformat.v4.new_output("display_data", data={MIME_TYPE: {"copy": hidden["expected"]}})]
    code[2].source += "\nfrom course.layers import affine_forward"
    nbformat.write(nb, release / f"{NOTEBOOK}.ipynb")

    found = find_leaks(str(release), [str(SOURCE)], str(REPO_ROOT / "course"), cells, MANIFEST)
    assert any(
        leak.startswith(f"{ASSIGNMENT}/nnsupport/optim.py:") and "solution code in nesterov_momentum" in leak
        for leak in found
    )
    leaks = "\n".join(found)
    assert "hidden tests in test_adam" in leaks
    assert f"expected value of hidden check {hidden['name']}" in leaks
    assert "imports the reference package" in leaks
