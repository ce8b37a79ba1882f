"""A clean clone grades with plain nbgrader once `make setup` has run.

The files generated beside the source notebook (nnsupport/, public_checks.json) are not
committed there; `autograder sync --generated-only` (run by `make setup`) writes them.
Without them nbgrader's own generate_assignment would release a notebook whose imports fail.
"""

import shutil
import subprocess

import nbformat
import pytest
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, grades, run_autograder, run_nbgrader

from autograder.authoring.library import paste_reference

pytestmark = pytest.mark.slow


def tracked_files_copy(target):
    """The repository as a clone has it: tracked files only, as they are in the working tree."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, names.decode().split("\0")):
        if (REPO_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, target / name)
    return target


def test_plain_nbgrader_releases_and_grades_a_clean_clone(tmp_path):
    root = tracked_files_copy(tmp_path / "clone")
    assert not (root / "source_assignments" / ASSIGNMENT / "nnsupport").exists()
    run_autograder(root, "sync", "--generated-only")  # what make setup runs
    run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    released = root / "release" / ASSIGNMENT
    assert (released / "nnsupport" / "checks.py").is_file() and (released / "public_checks.json").is_file()

    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    folder = root / "submitted" / "ada" / ASSIGNMENT
    shutil.copytree(released, folder)
    nbformat.write(
        paste_reference(nbformat.read(released / f"{NOTEBOOK}.ipynb", 4), source), folder / f"{NOTEBOOK}.ipynb"
    )
    run_nbgrader(root, "autograde", ASSIGNMENT)
    scores = grades(root)["ada"]
    assert sum(score for name, score in scores.items() if name.startswith("test_")) == 32
