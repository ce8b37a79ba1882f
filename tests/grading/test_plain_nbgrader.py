"""The instructor's round trip: release, students submit, `nbgrader autograde` judges.

Grading here is plain nbgrader with the course's nbgrader_config.py, so these tests
also prove that `nbgrader autograde` itself applies our out-of-kernel judging.
"""

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT, clone, run_autograder, run_nbgrader

from autograder.authoring.library import apply_edits, load_library, paste_reference
from autograder.course import Course
from autograder.manifest import MANIFEST_FILE
from autograder.proving.records import COMMITTED_RECORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(released_course, tmp_path_factory):
    """A copy of the released course with five submissions graded by `nbgrader autograde`.

    A copy of its own: the worker's released course is cloned by other fixtures (graded_class),
    whose gradebooks must not hold these five students."""
    root = clone(released_course, tmp_path_factory.mktemp("plain-graded") / "course")
    source = nbformat.read(root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    released = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    pasted = paste_reference(released, source)
    mistakes = load_library(Course(root), ASSIGNMENT).mistakes
    submissions = {
        "source": source,
        "untouched": released,
        "pasted": pasted,
        "relu_on_scores": apply_edits(pasted, mistakes["relu_on_scores"].as_edits()),
        # The real-world bug of published 2021 solutions: the last W left out of the L2 term.
        "l2_without_last": apply_edits(pasted, mistakes["l2_without_last_layer"].as_edits()),
    }
    for student, nb in submissions.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)  # students hand in the whole folder
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    run_nbgrader(root, "autograde", ASSIGNMENT)
    with open(root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json") as f:
        bundle = json.load(f)
    return root, bundle


def cell_scores(root, student):
    """grade_id -> (auto_score, max_score) for every graded cell of one submission."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "nn-first-principles") as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades}


def autograded_cells(bundle):
    return set(bundle["cells"])


def test_inline_question_is_left_for_manual_grading(graded):
    root, _ = graded
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "nn-first-principles") as gb:
        notebook = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "pasted")
        answer = next(g for g in notebook.grades if g.name == "inline_question_adagrad")
        assert answer.needs_manual_grade and answer.max_score == 2


def test_every_test_cell_has_points_and_checks(graded):
    root, bundle = graded
    scores = cell_scores(root, "source")
    assert set(scores) == autograded_cells(bundle) | {"inline_question_adagrad"}
    assert sum(max_score for name, (_, max_score) in scores.items() if name in bundle["cells"]) == 32
    assert sum(max_score for _, max_score in scores.values()) == 34
    assert all(max_score > 0 for _, max_score in scores.values())


def test_source_notebook_gets_full_marks(graded):
    root, bundle = graded
    scores = cell_scores(root, "source")
    assert all(scores[name][0] == scores[name][1] for name in bundle["cells"]), scores


def test_untouched_release_gets_zero_and_grading_completes(graded):
    root, bundle = graded
    scores = cell_scores(root, "untouched")
    assert sum(scores[name][0] for name in bundle["cells"]) == 0, scores
    assert (root / "autograded" / "untouched" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()


def test_reference_pasted_into_the_stubs_gets_full_marks(graded):
    root, bundle = graded
    scores = cell_scores(root, "pasted")
    assert all(scores[name][0] == scores[name][1] for name in bundle["cells"]), scores


def test_relu_on_the_output_scores_fails_exactly_the_network_output_checks(graded):
    root, bundle = graded
    scores = cell_scores(root, "relu_on_scores")
    failing = {"test_fc_net_scores", "test_fc_net_loss_grads"}
    for grade_id in bundle["cells"]:
        score, max_score = scores[grade_id]
        if grade_id in failing:
            assert score == 0, grade_id
        elif grade_id != "test_best_model":  # training may still succeed
            assert score == max_score, grade_id


def test_l2_without_last_layer_loses_exactly_the_regularised_checks(graded):
    root, bundle = graded
    scores = cell_scores(root, "l2_without_last")
    scored = [spec["name"] for spec in bundle["cells"]["test_fc_net_loss_grads"] if not spec["public"]]
    regularised = [name for name in scored if ".reg" in name and ".reg0.0" not in name]  # fc_net_loss.L3.reg0.7, ...
    # reg 0.0, 0.7, 1.5 and 3.0 for each of two networks, and the large case (reg 0) they require
    assert len(regularised) == 6 and len(scored) == 9
    points = scores["test_fc_net_loss_grads"][1]
    assert scores["test_fc_net_loss_grads"][0] == pytest.approx(points * (len(scored) - len(regularised)) / len(scored))
    for grade_id in bundle["cells"]:
        if grade_id != "test_fc_net_loss_grads":
            assert scores[grade_id][0] == scores[grade_id][1], grade_id


def test_feedback_table_is_in_the_autograded_notebook(graded):
    root, _ = graded
    nb = nbformat.read(root / "autograded" / "relu_on_scores" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_fc_net_scores")
    verdict = cell.outputs[0]
    assert verdict["output_type"] == "execute_result"
    assert "FAIL" in verdict["data"]["text/html"] and "relative error" in verdict["data"]["text/html"]


def tracked(folder):
    """The committed files of a repository folder (not what make setup generates beside them)."""
    names = subprocess.run(["git", "ls-files", folder], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return sorted(Path(name).relative_to(folder) for name in names.stdout.split())


def test_release_in_the_repository_is_what_the_command_regenerates(graded):
    """release/ and grading_bundle/ are regenerated byte for byte; beside the source notebook
    only the notebook and its manifest are committed (the generated files are compared through release/)."""
    root, _ = graded
    for folder in ("release", "grading_bundle", f"source_assignments/{ASSIGNMENT}"):
        committed = tracked(folder)
        regenerated = sorted(
            p.relative_to(root / folder)
            for p in (root / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )
        if folder.startswith("source_assignments"):
            regenerated = [p for p in regenerated if p.suffix == ".ipynb" or p.name == MANIFEST_FILE]
        assert regenerated == committed, folder
        for relative in committed:
            if relative.name == COMMITTED_RECORD:  # the key of the proof names the toolkit and machine that ran it
                continue
            assert (root / folder / relative).read_bytes() == (REPO_ROOT / folder / relative).read_bytes(), relative


def test_plain_nbgrader_leaves_the_outcome_autograder_grade_would(graded):
    """After nbgrader autograde (formgrader's button), the state file exists: the CSV shows the
    status, autograder feedback renders the student, and autograder grade skips the unchanged."""
    root, _ = graded
    state = json.loads((root / "autograded" / "pasted" / ASSIGNMENT / ".autograder.json").read_text())
    assert state["status"] == "graded" and state["score"] == 32 and state["max_score"] == 34
    assert any(check["name"] == "adam.next_w" and check["passed"] for check in state["checks"])
    result = run_autograder(root, "grade", ASSIGNMENT, "--json", check=False)
    statuses = {s["student"]: s["status"] for s in json.loads(result.stdout)["students"]}
    assert statuses == {
        student: "unchanged" for student in ("source", "untouched", "pasted", "relu_on_scores", "l2_without_last")
    }
    assert not list((root / "autograded").rglob(".kernel-*"))
