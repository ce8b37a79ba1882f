"""The accuracy comparison: a network's test-mode forward pass (plain or normalised), bounded in size and in memory."""

import numpy as np
import pytest

from autograder import network_scores
from autograder.kinds.accuracy import compare_accuracy
from autograder.network_scores import MAX_NETWORK_PARAMETERS, mlp_scores
from tests.networks import network, trained_normalised_network


def test_scores_in_chunks_equal_the_whole_forward_pass(monkeypatch):
    params = network([12, 40, 30, 3])
    X = np.random.default_rng(1).standard_normal((1001, 3, 4))
    whole = X.reshape(1001, -1)
    for i in (1, 2):
        whole = np.maximum(whole @ params[f"W{i}"] + params[f"b{i}"], 0)
    whole = whole @ params["W3"] + params["b3"]
    monkeypatch.setattr(network_scores, "_CHUNK_ELEMENTS", 40 * 7)  # 7 rows at a time
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
        ({"W1": np.zeros((5, 3)), "b1": np.zeros(3), "gamma1": np.ones(3)}, "not those of a fully connected network"),
        ({"W1": np.zeros((4, 3)), "b1": np.zeros(3)}, "do not fit inputs of width 5"),
        ({"W1": np.zeros((5, 3)), "b1": np.zeros(2)}, "do not fit inputs of width 5"),
        ({}, "not those of a fully connected network"),
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


@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_a_normalised_network_is_evaluated_as_the_model_computes_its_test_scores(normalization):
    from autograder.kinds.accuracy import network_parameters

    model, X, y = trained_normalised_network(normalization)
    params = network_parameters(model)
    assert np.allclose(mlp_scores(params, X, normalization), model.loss(X), rtol=1e-10, atol=1e-10)
    accuracy = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert accuracy > 0.8  # a network that learned something, so the comparison means something
    spec = {"threshold": accuracy, "normalization": normalization}
    assert compare_accuracy(spec, params, X, y).passed
    assert not compare_accuracy(dict(spec, threshold=accuracy + 0.01), params, X, y).passed


def test_a_check_evaluates_only_the_kind_of_network_its_reference_is():
    from autograder.kinds.accuracy import network_parameters

    model, X, y = trained_normalised_network("layernorm")
    for spec in ({"threshold": 0}, {"threshold": 0, "normalization": "batchnorm"}):
        comparison = compare_accuracy(spec, network_parameters(model), X, y)
        assert not comparison.passed and "parameters of a network with layernorm" in comparison.message
    plain = network([6, 4, 3])
    comparison = compare_accuracy({"threshold": 0, "normalization": "layernorm"}, plain, X, y)
    assert "network with no normalisation; this check evaluates a network with layernorm" in comparison.message


def test_batch_norm_parameters_without_running_averages_or_with_a_negative_variance_are_refused():
    from autograder.kinds.accuracy import network_parameters

    model, X, y = trained_normalised_network("batchnorm")
    params = network_parameters(model)
    spec = {"threshold": 0, "normalization": "batchnorm"}
    without_averages = {k: v for k, v in params.items() if not k.startswith("running_var")}
    assert "not those of a fully connected network" in compare_accuracy(spec, without_averages, X, y).message
    negative = dict(params, running_var1=-np.ones_like(params["running_var1"]))
    assert "running_var1 has negative" in compare_accuracy(spec, negative, X, y).message
    wrong_width = dict(params, gamma2=np.ones(5))
    assert "gamma2 (5,) does not fit layer 2 of width 12" in compare_accuracy(spec, wrong_width, X, y).message
    untrained = type(model)([4], input_dim=6, num_classes=3, normalization="batchnorm")
    with pytest.raises(ValueError, match="layer 1 has no running averages yet"):
        network_parameters(untrained)
