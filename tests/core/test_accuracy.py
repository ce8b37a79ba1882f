"""The accuracy comparison: a plain network's forward pass, bounded in size and in memory."""

import numpy as np
import pytest

from autograder import comparisons
from autograder.comparisons import MAX_NETWORK_PARAMETERS, compare_accuracy, mlp_scores


def network(widths, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True), start=1):
        params[f"W{i}"], params[f"b{i}"] = rng.standard_normal((fan_in, fan_out)), rng.standard_normal(fan_out)
    return params


def test_scores_in_chunks_equal_the_whole_forward_pass(monkeypatch):
    params = network([12, 40, 30, 3])
    X = np.random.default_rng(1).standard_normal((1001, 3, 4))
    whole = X.reshape(1001, -1)
    for i in (1, 2):
        whole = np.maximum(whole @ params[f"W{i}"] + params[f"b{i}"], 0)
    whole = whole @ params["W3"] + params["b3"]
    monkeypatch.setattr(comparisons, "_CHUNK_ELEMENTS", 40 * 7)  # 7 rows at a time
    assert np.allclose(mlp_scores(params, X), whole, rtol=1e-12, atol=1e-12)


def test_a_network_too_large_to_evaluate_is_refused_before_any_computation():
    width = MAX_NETWORK_PARAMETERS // 20 + 1
    huge = {"W1": np.zeros((20, width)), "b1": np.zeros(width)}
    comparison = compare_accuracy({"threshold": 0.5}, huge, np.zeros((3, 20)), np.zeros(3, int))
    assert not comparison.passed and comparison.signature == "structure"
    assert f"the grader evaluates networks of at most {MAX_NETWORK_PARAMETERS}" in comparison.message


@pytest.mark.parametrize(
    "params, problem",
    [
        ({"W1": np.zeros((5, 3)), "b1": np.zeros(3), "gamma1": np.ones(3)}, "not those of a plain network"),
        ({"W1": np.zeros((4, 3)), "b1": np.zeros(3)}, "do not fit inputs of width 5"),
        ({"W1": np.zeros((5, 3)), "b1": np.zeros(2)}, "do not fit inputs of width 5"),
        ({}, "not those of a plain network"),
    ],
)
def test_parameters_that_are_not_a_plain_network_fail_saying_why(params, problem):
    comparison = compare_accuracy({"threshold": 0.5}, params, np.zeros((3, 5)), np.zeros(3, int))
    assert not comparison.passed and problem in comparison.message


def test_the_accuracy_decides_against_the_threshold():
    X = np.eye(3)
    identity = {"W1": np.eye(3), "b1": np.zeros(3)}
    assert compare_accuracy({"threshold": 1.0}, identity, X, np.arange(3)).passed
    shifted = compare_accuracy({"threshold": 0.5}, identity, X, np.array([1, 2, 0]))
    assert not shifted.passed and shifted.error == 1.0 and shifted.signature == "accuracy"
