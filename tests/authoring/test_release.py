"""`autograder release`: the support package, nbgrader metadata, refusals, what students get."""

import json
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.preprocessors import CheckCellMetadata
from nbgrader.utils import is_solution
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, copy_course, run_autograder

from autograder.authoring.expected import public_expectations
from autograder.authoring.support_package import support_package_files
from autograder.bundle import load_bundle
from autograder.course import Course

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def test_source_notebook_passes_nbgraders_validation():
    nb = nbformat.read(SOURCE, 4)
    nbformat.validate(nb)
    CheckCellMetadata().preprocess(nb, {})
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(c.metadata.nbgrader.schema_version == 3 for c in graded)
    assert all(c.metadata.nbgrader.get("points", 0) > 0 for c in graded)
    assert "34 points in total" in nb.cells[0].source


def test_support_package_has_stubs_instead_of_solutions():
    support = REPO_ROOT / "release" / ASSIGNMENT / "nnsupport"
    optim = (support / "optim.py").read_text()
    assert "raise NotImplementedError()" in optim
    assert 'v = config["momentum"] * v - config["learning_rate"] * dw' not in optim
    assert not (REPO_ROOT / "release" / ASSIGNMENT / "course").exists()


@pytest.mark.parametrize("assignment", Course(REPO_ROOT).assignments())
def test_every_committed_release_ships_what_its_inputs_generate_now(assignment):
    """The committed release's support package is what course/, the manifests and the toolkit
    generate now, and its public checks are the committed bundle's: a change to a shipped
    toolkit module or a reference function needs ``autograder release`` again (seconds here,
    where the test that regenerates a release takes minutes and covers fc_nets alone)."""
    course = Course(REPO_ROOT)
    shipped = course.release(assignment) + "/nnsupport"
    committed = {
        str(path.relative_to(shipped)): path.read_text()
        for path in pathlib.Path(shipped).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    generated = support_package_files(course.reference_dir, course.manifest(assignment))
    stale = sorted(name for name in set(committed) | set(generated) if committed.get(name) != generated.get(name))
    assert not stale, f"release/{assignment}/nnsupport is stale (run autograder release {assignment} --force): {stale}"
    public = {}
    for name in course.notebook_names(assignment):
        public.update(public_expectations(load_bundle(course.bundle_dir, assignment, name)["cells"]))
    with open(f"{course.release(assignment)}/public_checks.json") as f:
        assert json.load(f) == json.loads(json.dumps(public)), f"release/{assignment}/public_checks.json"


def ship_notes(root, text):
    """notes.txt beside the source notebook, listed in the manifest's data files."""
    folder = root / "source_assignments" / ASSIGNMENT
    (folder / "notes.txt").write_text(text)
    manifest = folder / "assignment.toml"
    manifest.write_text(manifest.read_text().replace("files = []", 'files = ["notes.txt"]'))


def test_release_refuses_a_file_the_manifest_does_not_name(tmp_path):
    root = copy_course(tmp_path)
    (root / "source_assignments" / ASSIGNMENT / "notes.txt").write_text("hint\n")
    result = run_autograder(root, "release", ASSIGNMENT, check=False)
    assert result.returncode == 1
    assert "holds notes.txt, which the manifest does not name" in result.stderr
    assert "`data.files`" in result.stderr


def test_release_refuses_a_leak_and_keeps_the_previous_release(tmp_path):
    root = copy_course(tmp_path)
    # A file next to the source notebook, listed in the manifest, is released verbatim: here it
    # quotes a solution.
    ship_notes(root, "hint: out = x.reshape(x.shape[0], -1) @ w + b\n")
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
        "import importlib.util\nprint('course importable:', importlib.util.find_spec('course') is not None)"
    )
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


@pytest.mark.slow  # a full proven release first (minutes)
def test_plain_generate_assignment_releases_only_what_autograder_release_would(tmp_path):
    """formgrader's Generate button runs nbgrader's generate_assignment: our hooks record,
    leak-check and prove, and withdraw a refused release instead of publishing it."""
    root = copy_course(tmp_path)
    run_autograder(root, "release", ASSIGNMENT)  # the last release published, which must stay
    before = (root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes()
    ship_notes(root, "hint: out = x.reshape(x.shape[0], -1) @ w + b\n")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert "Refusing to release fc_nets" in result.stderr and "notes.txt" in result.stderr
    assert "Withdrew release/fc_nets" in result.stderr
    assert (root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == before
    assert not (root / "release" / ASSIGNMENT / "notes.txt").exists()
