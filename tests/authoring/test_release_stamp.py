"""`autograder release` says "nothing changed" and proves nothing when nothing its proven
release depends on changed, and proves again as soon as one input does."""

import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from support import ASSIGNMENT, NOTEBOOK, clone, copy_course, run_autograder

from autograder.authoring.release import last_release
from autograder.authoring.release_stamp import inputs_digest, record_proven, stamp_path, unchanged_since_proven
from autograder.authoring.sync import write_generated_files
from autograder.course import Course
from autograder.lock import let_go_for_nbgrader

NOTHING_CHANGED = "nothing changed since the last proven release of fc_nets"
PROOF_STARTED = "proving the checks of FullyConnectedNets"


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def test_the_inputs_digest_follows_every_input_and_nothing_the_release_generates(tmp_path):
    root = copy_course(tmp_path / "course")
    course = Course(str(root))
    before = inputs_digest(course, ASSIGNMENT)
    source = root / "source_assignments" / ASSIGNMENT
    bundle = root / "grading_bundle" / ASSIGNMENT
    generated = [
        source / "public_checks.json",
        source / "nnsupport" / "optim.py",
        bundle / f"{NOTEBOOK}.checks.json",
        bundle / "check_quality.md",
        root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
    ]
    for path in generated:  # outputs of the release: they count as outputs, never as inputs
        path.parent.mkdir(parents=True, exist_ok=True)
        append(path, "\n")
    assert inputs_digest(course, ASSIGNMENT) == before
    inputs = [
        root / "course" / "layers.py",
        source / f"{NOTEBOOK}.ipynb",
        source / "notes.txt",  # a new file the release would ship
        source / "assignment.toml",
        bundle / "mistakes.py",
        bundle / "heldout.py",
        root / "nbgrader_config.py",
    ]
    for path in inputs:
        original = path.read_bytes() if path.exists() else None
        append(path, "\n# changed\n")
        assert inputs_digest(course, ASSIGNMENT) != before, path
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
        assert inputs_digest(course, ASSIGNMENT) == before, path


@pytest.mark.slow  # the released_course fixture (a proven release)
def test_a_second_release_says_nothing_changed_and_proves_nothing(released_course, tmp_path):
    root = clone(released_course, tmp_path / "course")
    released = {p: p.read_bytes() for p in (root / "release" / ASSIGNMENT).rglob("*") if p.is_file()}
    result = run_autograder(root, "release", ASSIGNMENT)
    assert NOTHING_CHANGED in result.stdout and "--force" in result.stdout
    assert PROOF_STARTED not in result.stdout + result.stderr and "proving the checks" not in result.stderr
    assert {p: p.read_bytes() for p in (root / "release" / ASSIGNMENT).rglob("*") if p.is_file()} == released


@pytest.mark.slow  # the released_course fixture
def test_outputs_that_are_not_what_the_proven_release_wrote_are_not_nothing_changed(released_course, tmp_path):
    root = clone(released_course, tmp_path / "course")
    course = Course(str(root))
    inputs = inputs_digest(course, ASSIGNMENT)
    assert unchanged_since_proven(course, ASSIGNMENT, inputs) is not None
    assert unchanged_since_proven(course, ASSIGNMENT, "another digest") is None
    optim = root / "release" / ASSIGNMENT / "nnsupport" / "optim.py"
    original = optim.read_bytes()
    optim.write_bytes(original + b"\n")
    assert unchanged_since_proven(course, ASSIGNMENT, inputs) is None
    optim.write_bytes(original)
    assert unchanged_since_proven(course, ASSIGNMENT, inputs) is not None
    (root / "gradebook.db").unlink()  # a new gradebook lacks the assignment generate_assignment recorded
    assert unchanged_since_proven(course, ASSIGNMENT, inputs) is None


@pytest.mark.slow  # the released_course fixture, then a release up to its proof
def test_a_changed_mistake_library_runs_the_proof_again(released_course, tmp_path):
    """One input changed (an entry added to mistakes.py): the proof runs, and refuses the entry
    that does not apply; until the library is fixed, every release runs the proof."""
    root = clone(released_course, tmp_path / "course")
    append(
        root / "grading_bundle" / ASSIGNMENT / "mistakes.py",
        '\nMISTAKES.append(dict(name="planted_nowhere", cell="adam", caught_by="test_adam", '
        'edits=[("no such line", "x")], diagnosis="planted"))\n',
    )
    result = run_autograder(root, "release", ASSIGNMENT, check=False)
    assert result.returncode == 1 and NOTHING_CHANGED not in result.stdout
    assert "planted_nowhere" in result.stderr and "no longer apply" in result.stderr  # the gate ran
    assert not Path(stamp_path(Course(str(root)), ASSIGNMENT)).exists()  # no proof on record any more


@pytest.mark.slow  # the released_course fixture
def test_force_releases_although_nothing_changed(released_course, tmp_path, monkeypatch):
    from autograder.proving import gate

    root = clone(released_course, tmp_path / "course")
    course = Course(str(root))
    released = []
    monkeypatch.setattr(gate, "release", lambda course, assignment, log, verify: released.append(assignment))
    gate.release_proven(course, ASSIGNMENT, log=lambda text: None)
    assert released == []
    gate.release_proven(course, ASSIGNMENT, log=lambda text: None, force=True)
    assert released == [ASSIGNMENT]


def test_formgraders_generate_says_nothing_changed_although_nbgrader_removed_the_release(tmp_path, monkeypatch):
    """nbgrader's generate_assignment (formgrader's Generate) removes release/<assignment> before
    our pre_convert_hook runs: the copy of the last release published stands for it, so an
    unchanged course is not proven again (it was, at every press of the button), and a copy
    that is not what the proven release wrote is."""
    from autograder.proving import gate, hooks

    root = copy_course(tmp_path / "course")
    course = Course(str(root))
    write_generated_files(course, ASSIGNMENT)  # as a proven release leaves the course
    shutil.copytree(course.release(ASSIGNMENT), last_release(course, ASSIGNMENT))
    with Gradebook(course.db_url, course.course_id) as gb:
        gb.update_or_create_assignment(ASSIGNMENT)
        gb.add_notebook(NOTEBOOK, ASSIGNMENT)
    record_proven(course, ASSIGNMENT, inputs_digest(course, ASSIGNMENT))
    shutil.rmtree(course.release(ASSIGNMENT))  # as nbgrader does before the hook
    released = []
    monkeypatch.setattr(gate, "release", lambda course, assignment, log, verify: released.append(assignment))
    monkeypatch.chdir(root)

    def generate():
        try:
            hooks.release_before_generate(assignment=ASSIGNMENT)
        finally:
            let_go_for_nbgrader(str(root), ASSIGNMENT)

    generate()
    assert released == [] and ASSIGNMENT not in hooks._refused
    append(Path(last_release(course, ASSIGNMENT)) / f"{NOTEBOOK}.ipynb", "\n")
    generate()
    assert released == [ASSIGNMENT]
