"""The in-kernel check helpers: CS231n-style lines for public checks, and Validate's failures."""

import json

import numpy as np
import pytest

from autograder import checks
from autograder.values import encode_value

DIAGNOSIS = "adam: the bias correction divides by 1 - beta instead of 1 - beta ** t."


@pytest.fixture
def public_checks(tmp_path, monkeypatch):
    """A folder holding public_checks.json for two public checks of one test cell."""
    wrong = np.array([1.0, 2.5])
    public = {
        "adam.next_w": {
            "kind": "close",
            "public": True,
            "tol": 1e-7,
            "check_dtype": False,
            "expected": encode_value(np.array([1.0, 2.0])),
            "cell": "test_adam",
            "first_in_cell": True,
            "last_in_cell": False,
            "fingerprints": [{"mistake": "m", "diagnosis": DIAGNOSIS, "value": encode_value(wrong)}],
        },
        "adam.m": {
            "kind": "close",
            "public": True,
            "tol": 1e-7,
            "check_dtype": False,
            "expected": encode_value(np.array([3.0])),
            "cell": "test_adam",
            "first_in_cell": False,
            "last_in_cell": True,
        },
    }
    (tmp_path / checks.PUBLIC_CHECKS_FILE).write_text(json.dumps(public))
    monkeypatch.chdir(tmp_path)
    for variable in ("NBGRADER_VALIDATING", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(variable, raising=False)
    return wrong


def test_public_checks_print_cs231n_lines_with_a_diagnosis(public_checks, capsys):
    checks.expect_close("adam.next_w", np.array([1.0, 2.0]), tol=1e-7)
    checks.expect_close("adam.m", np.array([3.0]), tol=1e-7)
    checks.expect_close("adam.hidden", np.array([5.0]), tol=1e-7)  # hidden: recorded, never printed
    assert capsys.readouterr().out.splitlines() == [
        "adam.next_w error: 0.00e+00 (tolerance 1e-07): ok",
        "adam.m error: 0.00e+00 (tolerance 1e-07): ok",
    ]
    checks.expect_close("adam.next_w", public_checks, tol=1e-7)
    printed = capsys.readouterr().out
    assert "adam.next_w error: 1.11e-01 (tolerance 1e-07): too large" in printed and DIAGNOSIS in printed


def test_validate_fails_the_cell_at_its_last_public_check_listing_every_failure(public_checks, monkeypatch):
    monkeypatch.setenv("NBGRADER_VALIDATING", "1")
    checks.expect_close("adam.next_w", public_checks, tol=1e-7)  # fails, but the cell goes on
    with pytest.raises(AssertionError) as raised:
        checks.expect_close("adam.m", np.array([-3.0]), tol=1e-7)
    message = str(raised.value)
    assert message.startswith("2 visible check(s) failed in this cell:")
    assert "adam.next_w error" in message and DIAGNOSIS in message
    assert "adam.m error" in message and "opposite sign" in message
    # The cell run again, now right: nothing left over from the failed run.
    checks.expect_close("adam.next_w", np.array([1.0, 2.0]), tol=1e-7)
    checks.expect_close("adam.m", np.array([3.0]), tol=1e-7)


def test_grading_never_raises_so_the_hidden_checks_are_recorded(public_checks, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    checks.expect_close("adam.next_w", public_checks, tol=1e-7)
    checks.expect_close("adam.m", np.array([-3.0]), tol=1e-7)
    assert capsys.readouterr().out.count("too large") == 2


def test_a_value_that_cannot_be_compared_is_reported_not_raised(public_checks, capsys):
    checks.expect_close("adam.next_w", "not a number", tol=1e-7)
    assert "adam.next_w: cannot compare this value" in capsys.readouterr().out


def test_held_out_accuracy_checks_say_where_they_are_measured(public_checks, capsys):
    checks.expect_accuracy("best.heldout", {"W1": np.eye(2), "b1": np.zeros(2)}, threshold=0.9)
    assert "held-out examples (needs at least 0.9)" in capsys.readouterr().out


def test_a_visible_accuracy_check_is_recorded_in_the_kernel_and_judged_outside(public_checks, capsys):
    """The accuracy needs the network's forward pass, made of the layers students write: the
    kernel only records, and never holds that forward pass (nnsupport does not ship it)."""
    checks.expect_accuracy("best.val", {"W1": np.eye(2), "b1": np.zeros(2)}, np.eye(2), np.arange(2), threshold=0.9)
    assert "best.val: recorded; press Check" in capsys.readouterr().out


def test_no_assignment_ships_the_forward_pass_that_measures_an_accuracy():
    from support import REPO_ROOT

    from autograder.authoring.support_package import support_package_files
    from autograder.course import Course

    course = Course(REPO_ROOT)
    for assignment in course.assignments():
        files = support_package_files(course.reference_dir, course.manifest(assignment))
        assert "network_scores.py" not in files and "kinds/accuracy.py" in files, assignment
        for name, text in files.items():
            assert "def mlp_scores" not in text and "def _normalise" not in text, (assignment, name)
