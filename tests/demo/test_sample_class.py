"""The sample class used by `autograder demo`, the tests and the benchmarks."""

import nbformat
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.authoring.library import load_library
from autograder.course import Course
from autograder.demo.sample_class import CORRECT, DUE, LATE, MISTAKES, STYLES, roster, sample_class

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
RELEASED = REPO_ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def test_the_sample_class_builds_from_the_current_notebooks_and_the_mistake_library():
    """Every style and mistake is a library entry that still applies (autograder demo)."""
    library = load_library(Course(REPO_ROOT), ASSIGNMENT)
    assert set(MISTAKES) <= set(library.mistakes)
    assert {name for names in STYLES.values() for name in names} <= set(library.alternatives)
    notebooks, kinds = sample_class(nbformat.read(SOURCE, 4), nbformat.read(RELEASED, 4), library)
    assert len(notebooks) == len(kinds) == len(CORRECT) + len(MISTAKES) + 5
    assert sum(kind.startswith("correct") for kind in kinds.values()) == len(CORRECT)
    assert kinds["relu_on_scores"] == "mistake: relu on scores"


def test_the_sample_class_has_names_and_times_and_some_hand_in_late():
    """So that formgrader shows names and times, and the late policy has something to apply to."""
    library = load_library(Course(REPO_ROOT), ASSIGNMENT)
    _, kinds = sample_class(nbformat.read(SOURCE, 4), nbformat.read(RELEASED, 4), library)
    students = roster(kinds)
    assert students == roster(kinds) and set(students) == set(kinds)
    assert all(first and last for first, last, _ in students.values())
    assert len({(first, last) for first, last, _ in students.values()}) == len(students)  # no two alike
    late = {student for student, (_, _, handed_in) in students.items() if handed_in > DUE}
    assert late == set(LATE) and late <= set(kinds) and "correct03" in late  # a correct one too: its penalty shows
