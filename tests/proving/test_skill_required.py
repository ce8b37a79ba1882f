"""A gradient right on small inputs earns points only when it is right on a large input too.

Numerical differentiation (CS231n's ``eval_numerical_gradient_array`` is in every student's
notebook) answers a test cell's small cases at once and needs many minutes on its large case,
where the CPU budget stops it; a submission that catches that stop, or special-cases small inputs,
returns something else there. Every small gradient check of these cells requires the cell's large
case (``requires=``), so such a submission keeps nothing of them. Judged on the committed bundles.
"""

import json

import numpy as np
import pytest
from support import REPO_ROOT

from autograder.judge import judge_cell
from autograder.values import decode_value, encode_value

# Test cells that grade gradients, and the part of each one that is not a gradient (forward-only
# checks, such as test-time scores or a new network's parameters), which keeps its points.
GRADIENT_CELLS = {
    ("fc_nets", "FullyConnectedNets"): {
        "test_affine_backward": set(),
        "test_relu_backward": set(),
        "test_softmax_loss": set(),
        "test_fc_net_loss_grads": set(),
    },
    ("batch_norm", "BatchNormalization"): {
        "test_batchnorm_backward": set(),
        "test_batchnorm_backward_alt": set(),
        "test_layernorm_backward": set(),
        "test_fc_net_batchnorm": {"fc_net_batchnorm.hidden.init", "fc_net_batchnorm.hidden.test_scores"},
        "test_fc_net_layernorm": {"fc_net_layernorm.hidden.scores"},
    },
    ("dropout", "Dropout"): {
        "test_fc_net_dropout": {
            "fc_net_dropout.hidden_large_scores",
            "fc_net_dropout.hidden_scores",
            "fc_net_dropout.hidden_train_after_test",
        },
    },
}


def cells(assignment, notebook):
    path = REPO_ROOT / "grading_bundle" / assignment / f"{notebook}.checks.json"
    return json.loads(path.read_text())["cells"]


def zeros_like(encoded):
    """A value of the same structure and shapes, all zero."""
    value = decode_value(encoded)
    if isinstance(value, dict):
        return encode_value({key: np.zeros_like(item) for key, item in value.items()})
    return encode_value(np.zeros_like(value))


CASES = [(key, grade_id) for key, by_cell in GRADIENT_CELLS.items() for grade_id in by_cell]


@pytest.mark.parametrize("key, grade_id", CASES, ids=[grade_id for _, grade_id in CASES])
def test_right_on_small_inputs_only_keeps_only_what_is_not_a_gradient(key, grade_id):
    specs = cells(*key)[grade_id]
    large = {spec["requires"] for spec in specs if "requires" in spec}
    assert large and all(name.split(".")[1].startswith("hidden_large") for name in large)
    close = [spec for spec in specs if spec["kind"] == "close"]
    right = [{"name": spec["name"], "kind": "close", "value": spec["expected"]} for spec in close]
    fraction, verdicts = judge_cell(close, right)
    assert fraction == 1 and all(verdict.passed for verdict in verdicts)

    small_only = [
        {**record, "value": zeros_like(record["value"])} if record["name"] in large else record for record in right
    ]
    fraction, verdicts = judge_cell(close, small_only)
    not_gradients = GRADIENT_CELLS[key][grade_id]
    assert {verdict.name for verdict in verdicts if verdict.passed and verdict.scored} <= not_gradients
    withheld = [v for v in verdicts if v.scored and v.name not in large and v.name not in not_gradients]
    assert withheld  # small gradient cases the large one decides
    for verdict in withheld:
        assert not verdict.passed and verdict.withheld_by in large, verdict
        assert f"counts only together with {verdict.withheld_by}" in verdict.message
    if not not_gradients:
        assert fraction == 0
