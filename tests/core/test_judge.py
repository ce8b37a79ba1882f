"""Judging recorded values: verdicts, labels, diagnoses, hostile records, and the preprocessor."""

import html

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder.checks import MIME_TYPE
from autograder.judge import (
    VERDICT_MARKER,
    VERDICT_METADATA_KEY,
    judge_cell,
    judge_check,
    judge_notebook,
    records_in_outputs,
    verdicts_in_notebook,
)
from autograder.preprocessors import JudgeChecks
from autograder.values import encode_summaries, encode_value


def record(name, value, kind="close"):
    return {"name": name, "kind": kind, "value": encode_value(value)}


def close_spec(name, expected, tol=1e-8, check_dtype=False, public=False, fingerprints=()):
    return {
        "name": name,
        "kind": "close",
        "tol": tol,
        "check_dtype": check_dtype,
        "expected": encode_value(expected),
        "public": public,
        "fingerprints": list(fingerprints),
    }


def test_close_check_passes_within_tolerance_and_fails_beyond():
    expected = np.array([1.0, 2.0, 3.0])
    assert judge_check(close_spec("a", expected, tol=1e-6), [record("a", expected * (1 + 1e-8))]).passed
    verdict = judge_check(close_spec("a", expected, tol=1e-6), [record("a", expected * 1.01)])
    assert not verdict.passed and "relative error" in verdict.message and verdict.error > 1e-3


def test_missing_duplicate_shape_dtype_and_nan_are_reported_plainly():
    spec = close_spec("w", np.ones((2, 3), np.float32), check_dtype=True)
    assert judge_check(spec, []).message == "not recorded"
    assert "error stopped it" in judge_check(spec, []).diagnosis
    assert "recorded 2 times" in judge_check(spec, [record("w", np.ones((2, 3), np.float32))] * 2).message
    # A hidden check does not reveal its expected shape; a public one does.
    assert (
        judge_check(spec, [record("w", np.ones((3, 2), np.float32))]).message == "shape (3, 2) (not the expected shape)"
    )
    assert (
        judge_check(dict(spec, public=True), [record("w", np.ones((3, 2), np.float32))]).message
        == "shape (3, 2), expected (2, 3)"
    )
    assert judge_check(spec, [record("w", np.ones((2, 3)))]).message == "dtype float64, expected float32"
    nan = np.ones((2, 3), np.float32)
    nan[0, 0] = np.nan
    assert "NaN" in judge_check(spec, [record("w", nan)]).message
    assert "unusable value" in judge_check(spec, [{"name": "w", "value": {"unsupported": "str"}}]).message


def test_float64_answer_passes_a_check_that_does_not_require_the_dtype():
    spec = close_spec("w", np.ones(3, np.float32), tol=1e-6)
    assert judge_check(spec, [record("w", np.ones(3))]).passed


def test_a_dict_check_says_which_entries_differ():
    expected = {"loss": 2.0, "dW1": np.ones((2, 2)), "dW2": np.ones(3)}
    actual = {"loss": 2.0, "dW1": np.ones((2, 2)), "dW2": 2 * np.ones(3)}
    verdict = judge_check(close_spec("g", expected, tol=1e-6), [record("g", actual)])
    assert not verdict.passed and "in dW2" in verdict.message
    assert "dW2 differs; the other entries match" in verdict.diagnosis and "2x too large" in verdict.diagnosis
    missing = judge_check(close_spec("g", expected), [record("g", {"loss": 2.0})])
    assert missing.message == "missing dW1, dW2"


def test_a_known_mistake_is_named_by_its_fingerprint():
    expected = np.array([1.0, -2.0, 3.0])
    fingerprint = {
        "mistake": "sign",
        "diagnosis": "rule: check the sign of the update.",
        "value": encode_value(-expected),
    }
    spec = close_spec("w", expected, fingerprints=[fingerprint])
    assert judge_check(spec, [record("w", -expected * (1 + 1e-10))]).diagnosis == fingerprint["diagnosis"]
    # Another wrong value gets a description of how it is off instead, never the expected value.
    other = judge_check(spec, [record("w", 2 * expected)])
    assert other.diagnosis == "the values are about 2x too large in size, by the same factor everywhere"
    assert not any(str(number) in other.diagnosis + other.message for number in expected)


@pytest.mark.parametrize(
    "actual, description",
    [
        (np.zeros(4), "the values are all zero"),
        (-np.array([1.0, 2, 3, 4]), "the values have the opposite sign everywhere"),
        (np.array([1.0, 2, 3, 4]) / 3, "the values are about 3x too small in size, by the same factor everywhere"),
        (np.array([1.0, 2, 3, 4]) * 1.37, "the values are too large in size, by the same factor everywhere"),
        (np.array([1.0, 2, 3, 5]), "3 of 4 entries match; the others differ"),
        (np.array([4.0, 1, 7, 2]), "every entry differs"),
    ],
)
def test_unknown_mistakes_get_a_description_of_how_they_are_off(actual, description):
    verdict = judge_check(close_spec("v", np.array([1.0, 2, 3, 4])), [record("v", actual)])
    assert verdict.diagnosis == description


def test_rows_that_differ_are_named():
    expected = np.arange(12.0).reshape(4, 3) + 1
    actual = expected.copy()
    actual[2] *= -1
    verdict = judge_check(close_spec("s", expected), [record("s", actual)])
    assert verdict.diagnosis == "only row 2 differs; the other rows match"


def init_spec(public=False):
    return {
        "name": "init",
        "kind": "init",
        "public": public,
        "weight_scale": 0.1,
        "tol": 0.15,
        "params": {
            "W1": {"shape": [60, 50], "dtype": "float32", "fill": "normal"},
            "b1": {"shape": [50], "dtype": "float32", "fill": "zeros"},
        },
    }


def test_the_init_check_needs_names_shapes_dtype_zero_biases_and_the_weight_scale():
    rng = np.random.default_rng(0)
    good = {"W1": (0.1 * rng.standard_normal((60, 50))).astype(np.float32), "b1": np.zeros(50, np.float32)}
    assert judge_check(init_spec(), [record("init", good)]).passed
    cases = {
        "b1 is not all zeros": dict(good, b1=np.full(50, 0.1, np.float32)),
        "W1 spreads too widely": dict(good, W1=good["W1"] * 10),
        "W1 does not have the network's dtype": dict(good, W1=good["W1"].astype(np.float64)),
        "W1 has the wrong shape": dict(good, W1=good["W1"].T),
        "W1 is not centred on zero": dict(good, W1=good["W1"] + 0.1),
    }
    for advice, params in cases.items():
        verdict = judge_check(init_spec(), [record("init", params)])
        assert not verdict.passed and verdict.error is None and advice in verdict.diagnosis, advice
    assert judge_check(init_spec(), [record("init", {"W1": good["W1"]})]).message == "missing b1"


def test_a_badly_spread_weight_is_measured_and_called_uniform_only_when_its_values_show_it():
    rng = np.random.default_rng(3)
    narrow_normal = {"W1": (0.03 * rng.standard_normal((60, 50))).astype(np.float32), "b1": np.zeros(50, np.float32)}
    uniform = {"W1": (0.1 * rng.uniform(-1, 1, (60, 50))).astype(np.float32), "b1": np.zeros(50, np.float32)}
    few_uniform = {"W1": (0.1 * rng.uniform(-1, 1, (60, 50))).astype(np.float32), "b1": np.zeros(50, np.float32)}
    few_spec = init_spec()
    few_spec["params"]["W1"]["shape"] = [20, 40]
    few_uniform["W1"] = few_uniform["W1"][:20, :40]  # 800 values: too few to tell the shape
    normal = judge_check(init_spec(), [record("init", narrow_normal)]).diagnosis
    assert "its standard deviation is 0.3 x weight_scale" in normal and "uniform" not in normal
    flat = judge_check(init_spec(), [record("init", uniform)]).diagnosis
    assert "its standard deviation is 0.58 x weight_scale" in flat and "as a uniform distribution's do" in flat
    assert "uniform" not in judge_check(few_spec, [record("init", few_uniform)]).diagnosis
    off_centre = dict(uniform, W1=(0.1 * rng.uniform(0, 1, (60, 50))).astype(np.float32))
    assert "uniform" not in judge_check(init_spec(), [record("init", off_centre)]).diagnosis


def test_the_init_check_judges_a_summary_as_it_judges_the_arrays_it_summarises():
    rng = np.random.default_rng(1)
    good = {"W1": (0.1 * rng.standard_normal((60, 50))).astype(np.float32), "b1": np.zeros(50, np.float32)}
    for params in (good, dict(good, W1=np.abs(good["W1"]) * 3), dict(good, b1=np.ones(50, np.float32))):
        in_full = judge_check(init_spec(), [record("init", params)])
        summarised = judge_check(init_spec(), [{"name": "init", "kind": "init", "value": encode_summaries(params)}])
        assert (summarised.passed, summarised.message, summarised.diagnosis) == (
            in_full.passed,
            in_full.message,
            in_full.diagnosis,
        )


def accuracy_spec(X, y, threshold):
    return {
        "name": "acc",
        "kind": "accuracy",
        "threshold": threshold,
        "public": False,
        "inputs": {"X": encode_value(X), "y": encode_value(y)},
        "expected": encode_value(1.0),
    }


def params_record(params):
    return {"name": "acc", "kind": "accuracy", "value": {"entries": {k: encode_value(v) for k, v in params.items()}}}


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
    assert (
        "not those of a fully connected network"
        in judge_check(accuracy_spec(X, y, 0.5), [params_record(with_norm)]).message
    )


def test_a_public_accuracy_check_is_judged_on_the_examples_the_notebook_recorded():
    X, y = np.eye(2), np.array([0, 1])
    spec = {"name": "acc", "kind": "accuracy", "threshold": 1.0, "public": True}
    identity = params_record({"W1": np.eye(2), "b1": np.zeros(2)})
    identity["inputs"] = {"X": encode_value(X), "y": encode_value(y)}
    verdict = judge_check(spec, [identity])
    assert verdict.passed and verdict.public and not verdict.scored


def test_public_checks_give_feedback_but_no_points():
    fraction, verdicts = judge_cell(
        [close_spec("p", 1.0, public=True), close_spec("h", 2.0)], [record("p", 1.0), record("h", 2.5)]
    )
    assert fraction == 0.0  # the only scored check, the hidden one, failed
    assert verdicts[0].passed and verdicts[0].public and not verdicts[0].scored
    assert not verdicts[1].public and verdicts[1].scored and "(public" not in verdicts[1].message


def test_cell_fraction_counts_passed_checks():
    specs = [close_spec("a", 1.0), close_spec("b", 2.0)]
    fraction, verdicts = judge_cell(specs, [record("a", 1.0), record("b", 2.5)])
    assert fraction == 0.5 and [v.passed for v in verdicts] == [True, False]


def test_records_are_read_only_from_display_outputs_of_our_type():
    outputs = [
        new_output("display_data", data={MIME_TYPE: record("a", 1.0)}),
        new_output("execute_result", data={MIME_TYPE: record("b", 1.0)}, execution_count=1),
        new_output("display_data", data={MIME_TYPE: {"no": "name"}}),
        new_output("display_data", data={MIME_TYPE: {"name": 42}}),
        new_output("display_data", data={MIME_TYPE: {"name": "x" * 1000}}),
        new_output("stream", name="stdout", text="hello"),
        "not an output",
        {"output_type": "display_data", "data": "not a dict"},
    ]
    assert [r["name"] for r in records_in_outputs(outputs)] == ["a"]
    assert records_in_outputs("not a list") == []


HOSTILE_RECORDS = {
    "value missing": {"name": "w"},
    "value a string": {"name": "w", "value": "1.0"},
    "value a list": {"name": "w", "value": [1.0, 2.0]},
    "value None": {"name": "w", "value": None},
    "absurd shape": {"name": "w", "value": {"dtype": "float64", "shape": [10**12, 10**12], "data": ""}},
    "negative shape": {"name": "w", "value": {"dtype": "float64", "shape": [-3], "data": ""}},
    "shape of strings": {"name": "w", "value": {"dtype": "float64", "shape": ["a"], "data": ""}},
    "dtype a dict": {"name": "w", "value": {"dtype": {"x": 1}, "shape": [1], "data": "AAAAAAAAAAA="}},
    "entries instead of an array": {"name": "w", "value": {"entries": {"a": encode_value(1.0)}}},
    "accuracy check's inputs forged": {"name": "w", "value": encode_value(1.0), "inputs": {"X": "nonsense", "y": None}},
    "a type name that writes to the terminal": {"name": "w", "value": {"unsupported": "\x1b]52;c;cHduZWQ=\x07\rPASS"}},
    "entries with unshowable names": {
        "name": "w",
        "value": {"entries": {"d\ud800": encode_value(1.0), "\u202eW": encode_value(1.0)}},
    },
    # U+3164 is printable and shows as a blank: "W1\u3164" reads as W1 in formgrader's table.
    "an entry name that looks like another": {"name": "w", "value": {"entries": {"W1\u3164": encode_value(1.0)}}},
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_RECORDS))
def test_hostile_records_fail_their_check_and_never_raise(kind):
    for spec in (
        close_spec("w", np.ones(3)),
        dict(init_spec(), name="w"),
        {"name": "w", "kind": "accuracy", "threshold": 0.5, "public": True},
    ):
        verdict = judge_check(spec, [HOSTILE_RECORDS[kind]])
        assert not verdict.passed and verdict.message
        # Whatever the kernel sent, what the verdict says is visible text: one line, no
        # control or bidi character, no lone surrogate (UTF-8 writers fail on one).
        assert verdict.message.isprintable() and verdict.diagnosis.isprintable(), verdict
        verdict.message.encode("utf-8")


def graded_test_cell(grade_id, points, outputs):
    cell = new_code_cell("")
    cell.metadata = {
        "nbgrader": {
            "grade": True,
            "solution": False,
            "locked": True,
            "points": points,
            "grade_id": grade_id,
            "schema_version": 3,
            "task": False,
        }
    }
    cell.outputs = outputs
    return cell


@pytest.fixture
def judge(tmp_path):
    from autograder.bundle import bundle_path
    from autograder.rounding import write_json

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
    half = new_notebook(
        cells=[graded_test_cell("test_a", 4, [new_output("display_data", data={MIME_TYPE: record("a", 1.0)})])]
    )
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


FORGED_VERDICT = {
    VERDICT_METADATA_KEY: {
        "score": 4,
        "max_score": 4,
        "verdicts": [{"name": "a", "passed": True, "message": "forged", "scored": True}],
    }
}
IMITATIONS = {
    "execute_result with our key": new_output(
        "execute_result", data={"text/plain": "4.0"}, metadata=FORGED_VERDICT, execution_count=1
    ),
    "display_data with our key": new_output("display_data", data={"text/plain": "ok"}, metadata=FORGED_VERDICT),
    "our key without a verdict list": new_output(
        "display_data", data={"text/plain": "x"}, metadata={VERDICT_METADATA_KEY: "nonsense"}
    ),
    "our key inside the data": new_output("display_data", data={"application/json": FORGED_VERDICT}),
    "our table's HTML": new_output(
        "display_data", data={"text/html": f'<div class="{VERDICT_MARKER}"><b>Score 4 / 4</b> pass</div>'}
    ),
    "our table's HTML printed": new_output("stream", name="stdout", text=f'<div class="{VERDICT_MARKER}">'),
    "a record as an execute_result": new_output(
        "execute_result", data={MIME_TYPE: record("a", 1.0)}, execution_count=1
    ),
}


@pytest.mark.parametrize("kind", sorted(IMITATIONS))
def test_kernel_outputs_imitating_a_verdict_are_dropped_before_judging(judge, kind):
    cell = graded_test_cell(
        "test_a", 4, [IMITATIONS[kind], new_output("display_data", data={MIME_TYPE: record("a", 1.0)})]
    )
    nb, _ = judge.preprocess(new_notebook(cells=[cell]), RESOURCES)
    assert determine_grade(nb.cells[0]) == (2.0, 4.0)
    assert len(nb.cells[0].outputs) == 2  # our verdict, then the record; the imitation is gone
    checks = verdicts_in_notebook(nb)
    assert {c["name"]: c["passed"] for c in checks} == {"a": True, "b": False}
    assert not any(c["message"] == "forged" for c in checks)


def test_the_verdict_table_labels_checks_and_escapes_diagnoses():
    fingerprint = {"mistake": "m", "diagnosis": "use <b>x</b> & y", "value": encode_value(3.0)}
    cells = {"test_a": [close_spec("a", 1.0, public=True), close_spec("b", 2.0, fingerprints=[fingerprint])]}
    cell = graded_test_cell(
        "test_a",
        4,
        [
            new_output("display_data", data={MIME_TYPE: record("a", 1.0)}),
            new_output("display_data", data={MIME_TYPE: record("b", 3.0)}),
        ],
    )
    (judgement,) = judge_notebook(new_notebook(cells=[cell]), cells)
    table = cell.outputs[0]["data"]["text/html"]
    assert "<td>public</td><td>feedback only</td><td>pass</td>" in table
    assert "<td>hidden</td><td>scored</td><td>FAIL</td>" in table
    assert html.escape("use <b>x</b> & y") in table and "<b>x</b>" not in table
    assert judgement.verdicts[1].diagnosis == "use <b>x</b> & y"
