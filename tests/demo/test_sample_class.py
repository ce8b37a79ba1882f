"""The sample class used by `autograder demo`, the tests and the benchmarks."""

import nbformat
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.demo.sample_class import sample_class

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
RELEASED = REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def test_the_sample_class_builds_from_the_current_notebooks():
    """Every style and mistake still applies to the reference as it stands (autograder demo)."""
    notebooks, kinds = sample_class(nbformat.read(SOURCE, 4), nbformat.read(RELEASED, 4))
    assert len(notebooks) == len(kinds) == 30
    assert sum(kind.startswith("correct") for kind in kinds.values()) == 10
