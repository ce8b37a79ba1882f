"""The release gate, on a copied course with a small library (the whole library is proven by
every `autograder release fc_nets`, e.g. in the released_course fixture)."""

import json

import pytest
from support import ASSIGNMENT, NOTEBOOK, copy_course, run_autograder

pytestmark = pytest.mark.slow

SURVIVOR = """dict(name="relu_forward_float_zero", cell="relu_forward", caught_by="test_relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.maximum(x, 0.0)")],
         diagnosis="relu_forward: planted: this edit changes nothing.")"""
CAUGHT = """dict(name="adam_sign", cell="adam", caught_by="test_adam",
         edits=[('next_w = w - config["learning_rate"]', 'next_w = w + config["learning_rate"]')],
         diagnosis="adam: planted: the update climbs the gradient.")"""
WRONG_ALTERNATIVE = """dict(name="adam_double_step", cell="adam",
         edits=[('next_w = w - config["learning_rate"]', 'next_w = w - 2 * config["learning_rate"]')])"""
RIGHT_ALTERNATIVE = """dict(name="relu_forward_where", cell="relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.where(x > 0, x, 0)")])"""


def course_with_library(tmp_path, mistakes, alternatives):
    root = copy_course(tmp_path)
    (root / "grading_bundle" / ASSIGNMENT / "mistakes.py").write_text(
        f"MISTAKES = [{', '.join(mistakes)}]\nALTERNATIVES = [{', '.join(alternatives)}]\n"
    )
    return root


def release_refused(root):
    before = (root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes()
    result = run_autograder(root, "release", ASSIGNMENT, check=False)
    assert result.returncode == 1 and "Refusing to release fc_nets" in result.stderr, result.stderr
    assert (root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_bytes() == before
    return result.stderr


def test_a_mistake_the_checks_do_not_catch_refuses_the_release(tmp_path):
    stderr = release_refused(course_with_library(tmp_path, [SURVIVOR, CAUGHT], [RIGHT_ALTERNATIVE]))
    assert "mistake relu_forward_float_zero (relu_forward) is not caught by test_relu_forward" in stderr
    assert "relu_forward.hidden" in stderr  # the check that lets it through
    assert "adam_sign" not in stderr


def test_an_alternative_that_loses_points_refuses_the_release(tmp_path):
    stderr = release_refused(course_with_library(tmp_path, [CAUGHT], [WRONG_ALTERNATIVE]))
    assert "alternative adam_double_step (adam) loses points" in stderr and "adam.hidden" in stderr


def test_an_accepted_mistake_is_reported_and_a_proven_release_records_fingerprints(tmp_path):
    accepted = SURVIVOR.replace("diagnosis=", 'accepted="planted: the same function, written with 0.0", diagnosis=')
    root = course_with_library(tmp_path, [accepted, CAUGHT], [RIGHT_ALTERNATIVE])
    result = run_autograder(root, "release", ASSIGNMENT)
    summary = (
        "mistakes caught: 1/2, alternatives at full marks: 1/1, forge-everything: 0/32 points, "
        "forged training: 0/32 points (1 accepted uncaught: see check_quality.md)"
    )
    assert summary in result.stdout
    report = (root / "grading_bundle" / ASSIGNMENT / "check_quality.md").read_text()
    assert summary in report and "no: planted: the same function, written with 0.0" in report
    assert "mutants killed: 390/390, accepted: 0, equivalent: 35" in result.stdout
    assert "## Mutants" in report and "### Survivors\n\nNone." in report
    quality = json.loads((root / "grading_bundle" / ASSIGNMENT / "check_quality.json").read_text())
    (adam_sign,) = [m for m in quality["mistakes"] if m["name"] == "adam_sign"]
    assert adam_sign["caught"] and adam_sign["points_lost"] == 3 and "x the tolerance" in adam_sign["weakest_margin"]
    assert quality["forge"]["forgeable"] == {}
    # The caught mistake's values are fingerprints: hidden ones in the bundle, public ones shipped.
    bundle = json.loads((root / "grading_bundle" / ASSIGNMENT / f"{NOTEBOOK}.checks.json").read_text())
    fingerprinted = {spec["name"] for spec in bundle["cells"]["test_adam"] if spec.get("fingerprints")}
    assert {"adam.hidden.defaults", "adam.next_w"} <= fingerprinted
    public = json.loads((root / "release" / ASSIGNMENT / "public_checks.json").read_text())
    assert public["adam.next_w"]["fingerprints"][0]["mistake"] == "adam_sign"
    assert not any(name.startswith("adam.hidden") for name in public)
    # Killed mutants teach diagnoses too, kept in the bundle as sketches, never shipped.
    learned = [fp for spec in bundle["cells"]["test_adam"] for fp in spec.get("fingerprints", []) if fp.get("mutant")]
    assert learned and all(fp["diagnosis"].startswith("adam: ") and "sketch" in fp for fp in learned)
    assert not any(fp.get("mutant") for check in public.values() for fp in check.get("fingerprints", []))
    assert quality["mutants"]["learned"] > 0 and "Diagnoses learned: the values of" in report


def test_an_accuracy_threshold_that_a_classifier_without_training_reaches_refuses_the_release(tmp_path):
    """Planted: the held-out accuracy check asks for 50% only. The forger that takes over the Solver
    installs a memorising network fitted to the examples the test cell trains on; it earns the points,
    and the gate names every shortcut that reaches the threshold."""
    root = course_with_library(tmp_path, [CAUGHT], [RIGHT_ALTERNATIVE])
    source = root / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    text = source.read_text()
    planted = text.replace(
        'expect_accuracy(\\"best_model.heldout_acc\\", graded_model.params, threshold=0.85)',
        'expect_accuracy(\\"best_model.heldout_acc\\", graded_model.params, threshold=0.5)',
    )
    assert planted != text
    source.write_text(planted)
    stderr = release_refused(root)
    assert "the submission that takes over the Solver's training earns 3 points" in stderr
    assert (
        "accuracy check best_model.heldout_acc is passed without training: memorising_network fitted to "
        "the examples the test cell trains on"
    ) in stderr
    quality = json.loads((root / "grading_bundle" / ASSIGNMENT / "check_quality.json").read_text())
    forgeries = quality["forge"]["heldout"]["best_model.heldout_acc"]["forgeries"]
    assert {f["fitted_on"] for f in forgeries} == {"public", "graded"}
    assert "reaches it: REFUSED" in (root / "grading_bundle" / ASSIGNMENT / "check_quality.md").read_text()
