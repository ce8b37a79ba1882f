"""A proof on record is reused only for exactly the same inputs; any changed input proves again.

The proof itself is replaced by a stand-in that counts its runs and writes distinct outputs,
so these tests take a second: what they check is the key and the record, not the gate."""

import json
import os
import shutil

import pytest
from support import copy_course

from autograder.authoring.release import release_outputs
from autograder.course import Course
from autograder.proving import gate
from autograder.proving.records import committed_record_path, proof_key

ASSIGNMENT = "dropout"
NOTEBOOK = "Dropout"


@pytest.fixture
def staged_course(tmp_path, monkeypatch):
    """(course, staged release folder, list of proofs run) with a stand-in proof."""
    root = copy_course(tmp_path / "course")
    course = Course(str(root))
    staged = tmp_path / "staged"
    shutil.copytree(root / "release" / ASSIGNMENT, staged)
    runs = []

    def stand_in_prove(course, assignment, staged_dir, log=print):
        runs.append(assignment)
        for path in release_outputs(course, assignment):
            with open(path, "a") as f:
                f.write(f"\n proof {len(runs)}")
        quality = root / "grading_bundle" / ASSIGNMENT / "check_quality.json"
        quality.write_text(json.dumps({"summary": f"proof {len(runs)}", "mutants": {"summary": "mutants"}}))
        shutil.copy(root / "source_assignments" / ASSIGNMENT / "public_checks.json", staged_dir)

    monkeypatch.setattr(gate, "prove", stand_in_prove)
    return course, staged, runs


def _outputs(course):
    return {path: open(path, "rb").read() for path in release_outputs(course, ASSIGNMENT)}


def _prove_or_recall(course, staged, records, log=None, committed=None):
    gate._prove_or_recall(
        course, ASSIGNMENT, str(staged), (log or (lambda line: None)), records and str(records), committed
    )


def test_the_same_inputs_reuse_the_proof_on_record_byte_for_byte(staged_course, tmp_path):
    course, staged, runs = staged_course
    records = tmp_path / "records"
    before, staged_public = _outputs(course), (staged / "public_checks.json").read_bytes()
    _prove_or_recall(course, staged, records)
    assert runs == [ASSIGNMENT]
    proven = _outputs(course)
    public = (staged / "public_checks.json").read_bytes()
    assert public != staged_public
    for path, data in before.items():  # the record is replayed onto the inputs as the proof found them
        open(path, "wb").write(data)
    (staged / "public_checks.json").write_bytes(staged_public)
    said = []
    _prove_or_recall(course, staged, records, said.append)
    assert runs == [ASSIGNMENT]  # not proven again
    assert _outputs(course) == proven and (staged / "public_checks.json").read_bytes() == public
    assert "proven before on exactly these inputs" in said[0] and "proof 1" in said[0]


@pytest.mark.parametrize(
    "changed",
    [
        "course/layers.py",
        "nbgrader_config.py",
        f"source_assignments/{ASSIGNMENT}/{NOTEBOOK}.ipynb",
        f"source_assignments/{ASSIGNMENT}/assignment.toml",
        f"grading_bundle/{ASSIGNMENT}/mistakes.py",
        f"grading_bundle/{ASSIGNMENT}/mutants.py",
        f"grading_bundle/{ASSIGNMENT}/{NOTEBOOK}.checks.json",  # as the release recorded it before the proof
        f"source_assignments/{ASSIGNMENT}/public_checks.json",
        "staged/Dropout.ipynb",
        "staged/nnsupport/layers.py",
    ],
)
def test_any_changed_input_proves_again(staged_course, tmp_path, changed):
    course, staged, runs = staged_course
    records = tmp_path / "records"
    before, staged_public = _outputs(course), (staged / "public_checks.json").read_bytes()
    key = proof_key(course, ASSIGNMENT, str(staged))
    _prove_or_recall(course, staged, records)
    for path, data in before.items():
        open(path, "wb").write(data)
    (staged / "public_checks.json").write_bytes(staged_public)
    assert proof_key(course, ASSIGNMENT, str(staged)) == key
    path = (tmp_path if changed.startswith("staged/") else tmp_path / "course") / changed
    with open(path, "a") as f:
        f.write("\n# changed\n")
    assert proof_key(course, ASSIGNMENT, str(staged)) != key
    _prove_or_recall(course, staged, records)
    assert runs == [ASSIGNMENT, ASSIGNMENT]


@pytest.mark.parametrize("variable", ["OPENBLAS_CORETYPE", "AUTOGRADER_UNSAFE_NO_SANDBOX"])
def test_another_machine_setting_the_kernels_see_proves_again(staged_course, tmp_path, monkeypatch, variable):
    course, staged, runs = staged_course
    key = proof_key(course, ASSIGNMENT, str(staged))
    monkeypatch.setenv(variable, "1")
    assert proof_key(course, ASSIGNMENT, str(staged)) != key


def test_a_refused_proof_leaves_no_record(staged_course, tmp_path, monkeypatch):
    course, staged, runs = staged_course
    records = tmp_path / "records"

    def refusing_prove(course, assignment, staged_dir, log=print):
        raise gate.ReleaseError("refused")

    monkeypatch.setattr(gate, "prove", refusing_prove)
    with pytest.raises(gate.ReleaseError):
        _prove_or_recall(course, staged, records)
    assert not records.exists() or not any(records.rglob("*.json"))


def test_a_copy_of_the_course_reuses_the_proof_of_its_committed_release_for_exactly_its_inputs(staged_course, tmp_path):
    """The demo's scratch course recalls what the proof of the course's own release wrote when
    it computes that proof's key, and proves again once the committed outputs were edited."""
    course, staged, runs = staged_course
    before, staged_public = _outputs(course), (staged / "public_checks.json").read_bytes()
    key = proof_key(course, ASSIGNMENT, str(staged))
    _prove_or_recall(course, staged, None)  # the instructor's release: proven, its key recorded beside it
    assert runs == [ASSIGNMENT]
    record = json.loads(open(committed_record_path(course, ASSIGNMENT)).read())
    assert record["proof_key"] == key
    proven, proven_public = _outputs(course), (staged / "public_checks.json").read_bytes()

    def scratch_copy(name):
        """A copy of the course as the demo's release leaves it just before the proof."""
        root = tmp_path / name
        shutil.copytree(course.root, root)
        for path, data in before.items():
            (root / os.path.relpath(path, course.root)).write_bytes(data)
        shutil.copytree(staged, tmp_path / f"{name}-staged")
        (tmp_path / f"{name}-staged" / "public_checks.json").write_bytes(staged_public)
        return Course(str(root)), tmp_path / f"{name}-staged"

    scratch, scratch_staged = scratch_copy("demo")
    said = []
    _prove_or_recall(scratch, scratch_staged, None, said.append, committed=course)
    assert runs == [ASSIGNMENT] and "when the committed release was made" in said[0], said
    recalled = {os.path.relpath(path, scratch.root): data for path, data in _outputs(scratch).items()}
    assert recalled == {os.path.relpath(path, course.root): data for path, data in proven.items()}
    assert (scratch_staged / "public_checks.json").read_bytes() == proven_public

    with open(course.root + f"/grading_bundle/{ASSIGNMENT}/check_quality.md", "a") as f:
        f.write("\nedited by hand after the proof\n")
    scratch, scratch_staged = scratch_copy("demo-again")
    _prove_or_recall(scratch, scratch_staged, None, committed=course)
    assert runs == [ASSIGNMENT, ASSIGNMENT]
