"""Blanket forgery: a scored check that zeros, ones, a shape, a count or a public value passes."""

import numpy as np

from autograder.proving.forgery import blanket_forgeries
from autograder.values import encode_value


def spec(name, expected, public=False):
    return {"name": name, "kind": "close", "tol": 1e-8, "check_dtype": False, "public": public,
            "expected": encode_value(expected)}


def test_checks_a_blanket_value_passes_are_forgeable():
    """Zeros, a count, a shape read off the (hidden) test code, a public value shipped elsewhere."""
    cells = {"test": [
        spec("zeros", np.zeros(3)),
        spec("count", 4),
        spec("shape", np.array([200, 100])),
        spec("public_twin_visible", np.array([0.25, -1.5]), public=True),
        spec("public_twin_hidden", np.array([0.25, -1.5])),
        spec("real", np.array([0.3, -1.2, 2.7])),
        spec("real_dict", {"loss": 2.3, "dx": np.array([0.1, -0.1])}),
    ]}
    source = "model = FullyConnectedNet([200, 100], input_dim=300)\nexpect_close('shape', model.params['W2'].shape)"
    forgeable = blanket_forgeries(cells, forged_records={}, sources={"test": source})
    assert set(forgeable) == {"zeros", "count", "shape", "public_twin_hidden"}
    assert forgeable["public_twin_hidden"] == "a public expected value"


def test_the_forgers_own_records_count_too():
    cells = {"test": [spec("secret", np.array([1.5, 2.5]))]}
    forged = {"secret": {"name": "secret", "kind": "close", "value": encode_value(np.array([1.5, 2.5]))}}
    assert blanket_forgeries(cells, forged) == {"secret": "the forger's record"}


def test_an_init_check_is_not_forged_by_zeros_or_ones():
    init = {"name": "init", "kind": "init", "public": False, "weight_scale": 0.1, "tol": 0.15,
            "params": {"W1": {"shape": [40, 30], "dtype": "float64", "fill": "normal"},
                       "b1": {"shape": [30], "dtype": "float64", "fill": "zeros"}}}
    assert blanket_forgeries({"test": [init]}, {}) == {}
