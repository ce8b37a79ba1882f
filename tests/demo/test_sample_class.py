"""The sample classes used by `autograder demo` (one per assignment), the tests and the benchmarks."""

import nbformat
import pytest
from support import REPO_ROOT

from autograder.authoring.library import load_library, paste_reference
from autograder.course import Course
from autograder.demo.run import demo_assignments, proof_records
from autograder.demo.sample_class import (
    DUE,
    FC_NETS,
    late_students,
    plan_for,
    roster,
    sample_class,
)
from autograder.errors import CourseError

COURSE = Course(str(REPO_ROOT))
ASSIGNMENTS = ["fc_nets", "dropout", "batch_norm"]
BROKEN = 5  # untouched, infinite loop, syntax error, deleted test cell, broken JSON


def _class(assignment):
    name = COURSE.manifest(assignment).notebooks[0]
    source = nbformat.read(REPO_ROOT / "source_assignments" / assignment / f"{name}.ipynb", 4)
    released = nbformat.read(REPO_ROOT / "release" / assignment / f"{name}.ipynb", 4)
    library = load_library(COURSE, assignment)
    plan = plan_for(assignment, COURSE.manifest(assignment), library, paste_reference(released, source), source)
    notebooks, kinds = sample_class(source, released, library, plan)
    return library, plan, notebooks, kinds


def test_the_demo_runs_every_assignment_fc_nets_first_and_keeps_its_proofs_beside_its_course():
    assert demo_assignments(COURSE) == ["fc_nets", "batch_norm", "dropout"]
    assert proof_records("outputs/demo/").endswith("outputs/demo.proofs")


def test_the_demo_can_run_some_assignments_alone_in_the_course_order():
    """`autograder demo --only fc_nets` (benchmarks/demo_time.py times it against the whole demo)."""
    assert demo_assignments(COURSE, ["dropout", "fc_nets"]) == ["fc_nets", "dropout"]
    with pytest.raises(CourseError, match="no assignment fc_net: choose among"):
        demo_assignments(COURSE, ["fc_net"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_sample_class_builds_from_the_current_notebooks_and_the_mistake_library(assignment):
    """Every style and mistake is a library entry that still applies (autograder demo)."""
    library, plan, notebooks, kinds = _class(assignment)
    assert set(plan.mistakes) <= set(library.mistakes)
    assert {name for names in plan.styles.values() for name in names} <= set(library.alternatives)
    assert len(notebooks) == len(kinds) == len(plan.correct) + len(plan.mistakes) + BROKEN
    assert sum(kind.startswith("correct") for kind in kinds.values()) == len(plan.correct) >= 5
    assert all(notebooks[m] != notebooks["correct01"] for m in plan.mistakes)
    assert "while True:" in str(notebooks["infinite_loop"]) and "while True:" not in str(notebooks["correct01"])


def test_fc_nets_keeps_its_hand_picked_class_with_the_real_student_mistake_first():
    _, plan, _, kinds = _class("fc_nets")
    assert plan is FC_NETS and kinds["relu_on_scores"] == "mistake: relu on scores"


@pytest.mark.parametrize("assignment", ["dropout", "batch_norm"])
def test_a_class_drawn_from_the_library_covers_every_test_cell_that_catches_a_mistake(assignment):
    library, plan, _, kinds = _class(assignment)
    caught_by = {library.mistakes[m].caught_by for m in plan.mistakes} | {plan.deleted_test[0]}
    assert caught_by == {m.caught_by for m in library.mistakes.values()}  # at most MISTAKE_COUNT test cells
    styled = {library.alternatives[a].cell for names in plan.styles.values() for a in names}
    assert styled == {a.cell for a in library.alternatives.values()}  # every cell written in another style
    assert kinds["correct02"].startswith("correct: ") and "reference" not in kinds["correct02"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_sample_class_has_names_and_times_and_some_hand_in_late(assignment):
    """So that formgrader shows names and times, and the late policy has something to apply to."""
    _, plan, _, kinds = _class(assignment)
    late = late_students(plan)
    students = roster(kinds, late)
    assert students == roster(kinds, late) and set(students) == set(kinds)
    assert all(first and last for first, last, _ in students.values())
    assert len({(first, last) for first, last, _ in students.values()}) == len(students)  # no two alike
    handed_in_late = {student for student, (_, _, handed_in) in students.items() if handed_in > DUE}
    assert handed_in_late == set(late) and late.keys() <= set(kinds) and "correct03" in late  # its penalty shows
