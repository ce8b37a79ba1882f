"""Judging recorded values: verdicts, and the nbgrader preprocessor that scores cells."""

import base64

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder.judge import judge_cell, judge_check, records_in_outputs
from autograder.preprocessors import JudgeChecks
from autograder.checks import MIME_TYPE, decode_value, encode_value, relative_error


def record(name, value, kind="close"):
    return {"name": name, "kind": kind, "value": encode_value(value)}


def close_spec(name, expected, tol=1e-8, check_dtype=False):
    return {"name": name, "kind": "close", "tol": tol, "check_dtype": check_dtype,
            "expected": encode_value(expected), "public": False}


def test_encoding_round_trips_every_bit():
    for value in [np.linspace(-1, 1, 12).reshape(3, 4), np.float32(1.5), 3, [True, False],
                  np.array([np.nan, np.inf, -0.0]), np.arange(6, dtype=">i4").reshape(2, 3)]:
        decoded = decode_value(encode_value(value))
        assert np.array_equal(decoded, np.asarray(value), equal_nan=True)
        assert decoded.dtype == np.asarray(value).dtype.newbyteorder("=")


@pytest.mark.parametrize("bad", [
    {"unsupported": "str"},
    {"dtype": "object", "shape": [1], "data": ""},
    {"dtype": "float64", "shape": [3], "data": base64.b64encode(b"12345678").decode()},
    {"dtype": "float64", "shape": [1], "data": "not base64!"},
    "a string",
])
def test_malformed_values_are_rejected(bad):
    with pytest.raises((ValueError, TypeError, KeyError)):
        decode_value(bad)


def test_relative_error_is_the_cs231n_formula():
    x, y = np.array([1.0, 0.0, 2.0]), np.array([1.1, 0.0, 2.0])
    assert relative_error(x, y) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_close_check_passes_within_tolerance_and_fails_beyond():
    expected = np.array([1.0, 2.0, 3.0])
    assert judge_check(close_spec("a", expected, tol=1e-6), [record("a", expected * (1 + 1e-8))]).passed
    verdict = judge_check(close_spec("a", expected, tol=1e-6), [record("a", expected * 1.01)])
    assert not verdict.passed and "relative error" in verdict.message and verdict.error > 1e-3


def test_missing_duplicate_shape_dtype_and_nan_are_reported_plainly():
    spec = close_spec("w", np.ones((2, 3), np.float32), check_dtype=True)
    assert "not recorded" in judge_check(spec, []).message
    assert "recorded 2 times" in judge_check(spec, [record("w", np.ones((2, 3), np.float32))] * 2).message
    assert judge_check(spec, [record("w", np.ones((3, 2), np.float32))]).message == "shape (3, 2), expected (2, 3)"
    assert judge_check(spec, [record("w", np.ones((2, 3)))]).message == "dtype float64, expected float32"
    nan = np.ones((2, 3), np.float32)
    nan[0, 0] = np.nan
    assert "NaN" in judge_check(spec, [record("w", nan)]).message
    assert "unusable value" in judge_check(spec, [{"name": "w", "value": {"unsupported": "str"}}]).message


def test_float64_answer_passes_a_check_that_does_not_require_the_dtype():
    spec = close_spec("w", np.ones(3, np.float32), tol=1e-6)
    assert judge_check(spec, [record("w", np.ones(3))]).passed


def accuracy_spec(X, y, threshold):
    return {"name": "acc", "kind": "accuracy", "threshold": threshold, "public": True,
            "inputs": {"X": encode_value(X), "y": encode_value(y)}, "expected": encode_value(1.0)}


def params_record(params):
    return {"name": "acc", "kind": "accuracy", "value": {k: encode_value(v) for k, v in params.items()}}


def test_accuracy_check_evaluates_the_parameters_on_the_instructors_data():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    y = np.array([0, 1, 0, 1])
    identity = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.eye(2), "b2": np.zeros(2)}
    swapped = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.eye(2)[::-1], "b2": np.zeros(2)}
    assert judge_check(accuracy_spec(X, y, 1.0), [params_record(identity)]).passed
    verdict = judge_check(accuracy_spec(X, y, 0.5), [params_record(swapped)])
    assert not verdict.passed and "accuracy 0.0000" in verdict.message
    # A record claiming other data changes nothing: the grader uses the bundle's inputs.
    forged = params_record(swapped)
    forged["inputs"] = {"X": encode_value(X), "y": encode_value(1 - y)}
    assert not judge_check(accuracy_spec(X, y, 0.5), [forged]).passed
    wrong_shape = {"W1": np.eye(3), "b1": np.zeros(3)}
    assert "unusable parameters" in judge_check(accuracy_spec(X, y, 0.5), [params_record(wrong_shape)]).message
    with_norm = dict(identity, gamma1=np.ones(2))
    assert "plain network" in judge_check(accuracy_spec(X, y, 0.5), [params_record(with_norm)]).message


def test_public_value_checks_give_feedback_but_no_points():
    public = dict(close_spec("p", 1.0), public=True)
    fraction, verdicts = judge_cell([public, close_spec("h", 2.0)], [record("p", 1.0), record("h", 2.5)])
    assert fraction == 0.0  # the only scored check, the hidden one, failed
    assert verdicts[0].passed and not verdicts[0].scored and "feedback only" in verdicts[0].message


def test_cell_fraction_counts_passed_checks():
    specs = [close_spec("a", 1.0), close_spec("b", 2.0)]
    fraction, verdicts = judge_cell(specs, [record("a", 1.0), record("b", 2.5)])
    assert fraction == 0.5 and [v.passed for v in verdicts] == [True, False]


def test_records_are_read_only_from_display_outputs_of_our_type():
    outputs = [
        new_output("display_data", data={MIME_TYPE: record("a", 1.0)}),
        new_output("execute_result", data={MIME_TYPE: record("b", 1.0)}, execution_count=1),
        new_output("display_data", data={MIME_TYPE: {"no": "name"}}),
        new_output("stream", name="stdout", text="hello"),
    ]
    assert [r["name"] for r in records_in_outputs(outputs)] == ["a"]


def graded_test_cell(grade_id, points, outputs):
    cell = new_code_cell("")
    cell.metadata = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": points,
                                  "grade_id": grade_id, "schema_version": 3, "task": False}}
    cell.outputs = outputs
    return cell


@pytest.fixture
def judge(tmp_path):
    from autograder.bundle import bundle_path, write_json

    cells = {"test_a": [close_spec("a", 1.0), close_spec("b", 2.0)]}
    write_json(bundle_path(str(tmp_path), "hw", "nb"), {"assignment": "hw", "notebook": "nb", "cells": cells})
    return JudgeChecks(bundle_directory=str(tmp_path))


RESOURCES = {"nbgrader": {"assignment": "hw", "notebook": "nb"}}


def test_preprocessor_score_wins_over_stderr_and_errors(judge):
    outputs = [
        new_output("stream", name="stderr", text="RuntimeWarning: harmless\n"),
        new_output("display_data", data={MIME_TYPE: record("a", 1.0)}),
        new_output("display_data", data={MIME_TYPE: record("b", 2.0)}),
        new_output("error", ename="ValueError", evalue="late", traceback=[]),
    ]
    nb = new_notebook(cells=[graded_test_cell("test_a", 4, outputs)])
    nb, _ = judge.preprocess(nb, RESOURCES)
    assert determine_grade(nb.cells[0]) == (4.0, 4.0)


def test_preprocessor_gives_partial_and_zero_credit(judge):
    half = new_notebook(cells=[graded_test_cell("test_a", 4, [new_output("display_data", data={MIME_TYPE: record("a", 1.0)})])])
    half, _ = judge.preprocess(half, RESOURCES)
    assert determine_grade(half.cells[0]) == (2.0, 4.0)
    # A blank or skipped test cell records nothing: nbgrader alone would give full credit.
    empty = new_notebook(cells=[graded_test_cell("test_a", 4, [])])
    empty, _ = judge.preprocess(empty, RESOURCES)
    assert determine_grade(empty.cells[0]) == (0.0, 4.0)


def test_preprocessor_without_bundle_names_the_fix(tmp_path):
    from autograder.errors import BundleError

    with pytest.raises(BundleError, match="autograder release hw"):
        JudgeChecks(bundle_directory=str(tmp_path)).preprocess(new_notebook(), RESOURCES)


def test_checks_marked_unscored_earn_nothing():
    unscored = dict(close_spec("z", 0.0), scored=False)
    fraction, verdicts = judge_cell([unscored, close_spec("h", 2.0)], [record("z", 0.0), record("h", 2.0)])
    assert fraction == 1.0 and not verdicts[0].scored


def test_recording_refuses_a_scored_check_that_a_forger_could_guess():
    from autograder.authoring.expected import checks_from_executed
    from autograder.errors import ReleaseError

    cell = graded_test_cell("test_a", 1, [new_output("display_data", data={MIME_TYPE: dict(
        record("zeros", np.zeros(3)), tol=1e-8, check_dtype=False)})])
    cell.source = '### BEGIN HIDDEN TESTS\nexpect_close("zeros", np.zeros(3), tol=1e-8)\n### END HIDDEN TESTS'
    with pytest.raises(ReleaseError, match="all zeros"):
        checks_from_executed(new_notebook(cells=[cell]), "nb.ipynb")
