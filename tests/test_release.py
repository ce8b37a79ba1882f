"""`autograder release`: solution drift, the support package, nbgrader metadata, leaks."""

import shutil

import nbformat
import pytest
from course_copy import ASSIGNMENT, NOTEBOOK, REPO_ROOT, copy_course, run_autograder
from nbclient import NotebookClient
from nbgrader.preprocessors import CheckCellMetadata
from nbgrader.utils import is_solution

from autograder.authoring.leaks import find_leaks, secret_lines
from autograder.authoring.sync import drifted_cells, sync_solutions
from autograder.checks import MIME_TYPE

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
RELEASED = REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def bundle_cells():
    import json

    with open(REPO_ROOT / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json") as f:
        return json.load(f)["cells"]


def test_source_notebook_passes_nbgraders_validation():
    nb = nbformat.read(SOURCE, 4)
    nbformat.validate(nb)
    CheckCellMetadata().preprocess(nb, {})
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(c.metadata.nbgrader.schema_version == 3 for c in graded)
    assert all(c.metadata.nbgrader.get("points", 0) > 0 for c in graded)
    assert "34 points in total" in nb.cells[0].source


def test_solution_cells_match_course_and_drift_is_detected(tmp_path):
    assert drifted_cells(SOURCE, REPO_ROOT / "course") == []
    course = tmp_path / "course"
    shutil.copytree(REPO_ROOT / "course", course)
    optim = course / "optim.py"
    optim.write_text(optim.read_text().replace("next_w = w + v", "next_w = w + 1.0 * v"))
    notebook = tmp_path / "nb.ipynb"
    shutil.copy(SOURCE, notebook)
    assert drifted_cells(notebook, course) == ["sgd_momentum"]
    assert sync_solutions(notebook, course) == ["sgd_momentum"]
    assert drifted_cells(notebook, course) == []


def test_release_refuses_drifted_solutions(tmp_path):
    root = copy_course(tmp_path)
    layers = root / "course" / "layers.py"
    layers.write_text(layers.read_text().replace("out = np.maximum(x, 0)", "out = x * (x > 0)"))
    result = run_autograder(root, "release", ASSIGNMENT, check=False)
    assert result.returncode == 1
    assert "relu_forward" in result.stderr and "autograder sync fc_nets" in result.stderr


def test_support_package_has_stubs_instead_of_solutions():
    support = REPO_ROOT / "release" / ASSIGNMENT / "nnsupport"
    optim = (support / "optim.py").read_text()
    assert "raise NotImplementedError()" in optim
    assert 'v = config["momentum"] * v - config["learning_rate"] * dw' not in optim
    assert not (REPO_ROOT / "release" / ASSIGNMENT / "course").exists()


def test_committed_release_has_no_leaks():
    leaks = find_leaks(str(REPO_ROOT / "release" / ASSIGNMENT), [str(SOURCE)], str(REPO_ROOT / "course"), bundle_cells())
    assert leaks == []


def test_secrets_cover_solutions_hidden_tests_and_answers():
    secrets = secret_lines([str(SOURCE)], str(REPO_ROOT / "course"))
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

    found = find_leaks(str(release), [str(SOURCE)], str(REPO_ROOT / "course"), cells)
    assert any(leak.startswith(f"{ASSIGNMENT}/nnsupport/optim.py:") and "solution code in nesterov_momentum" in leak
               for leak in found)
    leaks = "\n".join(found)
    assert "hidden tests in test_adam" in leaks
    assert f"expected value of hidden check {hidden['name']}" in leaks
    assert "imports the reference package" in leaks


def test_release_refuses_a_leak_and_keeps_the_previous_release(tmp_path):
    root = copy_course(tmp_path)
    # A file next to the source notebook is released verbatim: here it quotes a solution.
    (root / "source_assignments" / ASSIGNMENT / "notes.txt").write_text(
        "hint: out = x.reshape(x.shape[0], -1) @ w + b\n")
    before = (root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes()
    result = run_autograder(root, "release", ASSIGNMENT, check=False)
    assert result.returncode == 1
    assert "Refusing to release fc_nets" in result.stderr and "notes.txt" in result.stderr
    assert not (root / "release" / ASSIGNMENT / "notes.txt").exists()
    assert (root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == before


def test_release_of_an_unknown_assignment_is_a_clear_error(tmp_path):
    root = copy_course(tmp_path)
    result = run_autograder(root, "release", "cnn", check=False)
    assert result.returncode == 1 and "No assignment 'cnn'" in result.stderr and "fc_nets" in result.stderr


@pytest.mark.slow
def test_released_notebook_runs_up_to_the_first_solution_with_only_the_release(tmp_path):
    """A student opens the release in plain Jupyter: every cell before their first answer runs."""
    folder = tmp_path / "student"
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, folder)
    nb = nbformat.read(folder / f"{NOTEBOOK}.ipynb", 4)
    first_solution = next(i for i, c in enumerate(nb.cells) if is_solution(c))
    probe = nbformat.v4.new_code_cell(
        "import importlib.util\nprint('course importable:', importlib.util.find_spec('course') is not None)")
    nb.cells = nb.cells[:first_solution] + [probe]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    assert any("X_train: (1197, 1, 8, 8)" in o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert nb.cells[-1].outputs[0]["text"].strip() == "course importable: False"


@pytest.mark.slow
def test_public_checks_print_cs231n_style_errors_for_students(tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(REPO_ROOT / "release" / ASSIGNMENT, folder)
    source = nbformat.read(SOURCE, 4)
    wanted = {"setup", "sgd_momentum", "test_sgd_momentum"}
    source.cells = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") in wanted]
    NotebookClient(source, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for o in source.cells[-1].outputs)
    assert "sgd_momentum.next_w error: " in printed and "(tolerance 1e-08): ok" in printed
    assert "sgd_momentum.hidden" not in printed  # hidden checks are recorded, never reported


def test_the_sample_class_builds_from_the_current_notebooks():
    """Every style and mistake still applies to the reference as it stands (autograder demo)."""
    from autograder.demo.sample_class import sample_class

    notebooks, kinds = sample_class(nbformat.read(SOURCE, 4), nbformat.read(RELEASED, 4))
    assert len(notebooks) == len(kinds) == 30
    assert sum(kind.startswith("correct") for kind in kinds.values()) == 10
