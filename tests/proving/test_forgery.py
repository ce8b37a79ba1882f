"""Forgery: blanket values a scored check must refuse, and the classifiers that are not trained
networks that an accuracy check must refuse."""

import ast

import nbformat
import numpy as np
import pytest

from autograder.network_scores import mlp_accuracy
from autograder.proving import shortcuts
from autograder.proving.forgery import (
    KNOWN_LIMITS,
    blanket_forgeries,
    forger_notebook,
    forgery_measures,
    forgery_offenders,
    solver_forger_notebook,
)
from autograder.proving.trials import CellResult, Trial, TrialResult
from autograder.values import encode_value
from course.data import get_spiral_data, spiral_examples, spiral_plane
from course.fc_net import FullyConnectedNet
from course.optim import adam
from course.solver import Solver


def spec(name, expected, public=False):
    return {
        "name": name,
        "kind": "close",
        "tol": 1e-8,
        "check_dtype": False,
        "public": public,
        "expected": encode_value(expected),
    }


def test_checks_a_blanket_value_passes_are_forgeable():
    """Zeros, a count, a shape read off the (hidden) test code, a public value shipped elsewhere."""
    cells = {
        "test": [
            spec("zeros", np.zeros(3)),
            spec("count", 4),
            spec("shape", np.array([200, 100])),
            spec("public_twin_visible", np.array([0.25, -1.5]), public=True),
            spec("public_twin_hidden", np.array([0.25, -1.5])),
            spec("real", np.array([0.3, -1.2, 2.7])),
            spec("real_dict", {"loss": 2.3, "dx": np.array([0.1, -0.1])}),
        ]
    }
    source = "model = FullyConnectedNet([200, 100], input_dim=300)\nexpect_close('shape', model.params['W2'].shape)"
    forgeable = blanket_forgeries(cells, forged_records={}, sources={"test": source})
    assert set(forgeable) == {"zeros", "count", "shape", "public_twin_hidden"}
    assert forgeable["public_twin_hidden"] == "a public expected value"


def test_the_forgers_own_records_count_too():
    cells = {"test": [spec("secret", np.array([1.5, 2.5]))]}
    forged = {"secret": {"name": "secret", "kind": "close", "value": encode_value(np.array([1.5, 2.5]))}}
    assert blanket_forgeries(cells, forged) == {"secret": "the forger's record"}


def test_an_init_check_is_not_forged_by_zeros_or_ones():
    init = {
        "name": "init",
        "kind": "init",
        "public": False,
        "weight_scale": 0.1,
        "tol": 0.15,
        "params": {
            "W1": {"shape": [40, 30], "dtype": "float64", "fill": "normal"},
            "b1": {"shape": [30], "dtype": "float64", "fill": "zeros"},
        },
    }
    assert blanket_forgeries({"test": [init]}, {}) == {}


# --- accuracy checks: classifiers that are not trained networks ----------------------------------


def blobs(num, seed):
    """Three well-separated Gaussian blobs in 10 dimensions: every classifier should get these."""
    rng = np.random.default_rng(seed)
    y = rng.integers(3, size=num)
    return 4 * np.eye(10)[y] + rng.standard_normal((num, 10)) * 0.5, y


def test_every_shortcut_is_a_plain_network_that_really_classifies():
    """No straw men: on an easy task each shortcut is near perfect, as the judge evaluates it."""
    (X, y), (X_val, y_val), (Z, z) = blobs(600, 0), blobs(200, 1), blobs(500, 2)
    found = shortcuts.shortcut_networks(X, y, X_val, y_val, 3)
    assert set(shortcuts.FORGERIES) <= set(found)
    for name, (params, _) in found.items():
        assert mlp_accuracy(params, Z, z) == shortcuts.accuracy(params, Z, z) > 0.95, name
    assert len(found["memorising_network"][0]["b1"]) == 600  # one hidden unit per training example
    assert min(shortcuts.neighbours_accuracies(X, y, X_val, y_val, Z, z, 3).values()) > 0.95


@pytest.fixture(scope="module")
def spiral():
    """Training and validation examples of a spiral in one plane, held-out ones of the same plane,
    and the shortcuts fitted to the training examples (as the forger inside the Solver fits them)."""
    data = get_spiral_data(plane_seed=11, seed=12)
    Z, z = spiral_examples(1000, spiral_plane(20, 11), rng=np.random.default_rng(13))
    found = shortcuts.shortcut_networks(data["X_train"], data["y_train"], data["X_val"], data["y_val"], 3)
    return data, (Z, z), found


def test_on_the_hidden_spiral_no_shortcut_comes_near_a_trained_network(spiral):
    """The task of fc_nets' accuracy check: every shortcut the release refuses stays below 70%, even
    fitted to the training examples of the very plane it is measured in; only the known limits (the
    plane found from the examples' class statistics, then nearest neighbours or random features in
    it) get close to the network, or past it: those need code that takes over training."""
    data, (Z, z), found = spiral
    neighbours = shortcuts.neighbours_accuracies(
        data["X_train"], data["y_train"], data["X_val"], data["y_val"], Z, z, 3
    )
    for name in shortcuts.FORGERIES:
        assert shortcuts.accuracy(found[name][0], Z, z) < 0.7, name
    assert neighbours["nearest_neighbours"] < 0.7
    assert neighbours["projected_nearest_neighbours"] > 0.85
    assert shortcuts.accuracy(found["plane_random_features"][0], Z, z) > 0.9
    assert set(shortcuts.KNOWN_LIMITS) == {
        "projected_memorising_network",
        "projected_nearest_neighbours",
        "plane_random_features",
    }


def forger_run(data, found, grade_id="test_best"):
    """A graded forger whose test cell recorded the shortcuts ``found`` and the examples of ``data``."""
    X, y, X_val, y_val = data["X_train"], data["y_train"], data["X_val"], data["y_val"]
    records = {
        f"forged.graded.{name}": {"name": f"forged.graded.{name}", "kind": "accuracy", "value": encode_value(params)}
        for name, (params, _) in found.items()
    }
    records["forged.graded.examples"] = {
        "name": "forged.graded.examples",
        "kind": "accuracy",
        "value": encode_value({"X": X, "y": y, "X_val": X_val, "y_val": y_val}),
    }
    records["forged.graded.junk"] = {"name": "forged.graded.junk", "value": {"not": "a value"}}
    return TrialResult(Trial("forger-solver", None), cells={grade_id: CellResult(0.0, 3.0, [], records)})


def heldout_spec(Z, z, threshold):
    return {
        "test_best": [
            {
                "name": "best.heldout_acc",
                "kind": "accuracy",
                "public": False,
                "threshold": threshold,
                "inputs": {"X": encode_value(Z), "y": encode_value(z)},
                "expected": encode_value(0.97),
            }
        ]
    }


def test_a_weak_threshold_that_a_shortcut_reaches_is_refused_and_a_strong_one_is_proven(spiral):
    data, (Z, z), found = spiral
    run = forger_run(data, found)

    weak = forgery_measures(heldout_spec(Z, z, 0.5), [run])
    measured = {f["shortcut"] for f in weak["best.heldout_acc"]["forgeries"]}
    assert set(shortcuts.FORGERIES) | {"nearest_neighbours", "projected_nearest_neighbours"} <= measured
    refused = forgery_offenders(weak)
    assert any("memorising_network fitted to the examples the test cell trains on" in line for line in refused)
    assert not any("projected" in line for line in refused)  # known limits are reported, not refused

    strong = forgery_measures(heldout_spec(Z, z, 0.85), [run])
    assert forgery_offenders(strong) == []
    assert strong["best.heldout_acc"]["reference"] == 0.97 and strong["best.heldout_acc"]["examples"] == 1000


def trained_network(plane_seed):
    """The reference's best_config, trained on a spiral in the plane of ``plane_seed``."""
    model = FullyConnectedNet([100], input_dim=20, num_classes=3, weight_scale=0.1, dtype=np.float64, seed=0)
    Solver(
        model,
        get_spiral_data(plane_seed=plane_seed, seed=1),
        update_rule=adam,
        optim_config={"learning_rate": 1e-2},
        num_epochs=30,
        batch_size=50,
        seed=0,
        verbose=False,
    ).train()
    return model.params


def test_a_network_trained_before_grading_earns_nothing_and_one_trained_by_other_code_is_a_known_limit(spiral):
    """Trained on the public plane, a network misses the grader's plane; trained on the grader's
    examples by code that is not the submission's, it passes: reported as a known limit, not refused."""
    data, (Z, z), found = spiral  # the grader's plane: 11
    assert mlp_accuracy(trained_network(plane_seed=0), Z, z) < 0.5
    library = {"name": "forged.graded.library_network", "value": encode_value(trained_network(plane_seed=11))}
    run = forger_run(data, found)
    run.cells["test_best"].records[library["name"]] = library
    measures = forgery_measures(heldout_spec(Z, z, 0.85), [run])
    (entry,) = [f for f in measures["best.heldout_acc"]["forgeries"] if f["shortcut"] == "library_network"]
    assert entry["accuracy"] > 0.9 and entry["known_limit"] == KNOWN_LIMITS["library_network"]
    assert forgery_offenders(measures) == []


def test_an_accuracy_check_no_forger_reached_is_unproven():
    Z, z = blobs(50, 3)
    silent = TrialResult(Trial("forger", None), cells={"test_best": CellResult(0.0, 3.0, [], {})})
    assert forgery_offenders(forgery_measures(heldout_spec(Z, z, 0.9), [silent])) == [
        "accuracy check best.heldout_acc is unproven: no forger recorded a shortcut in its test cell"
    ]


def test_the_forgers_cells_are_python_and_carry_the_shortcuts():
    released = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_code_cell("expect_accuracy('a', {})")]
    )
    for nb in (forger_notebook(released, {"t": [{"name": "a", "kind": "accuracy"}]}), solver_forger_notebook(released)):
        forger = nb.cells[1].source
        ast.parse(forger)
        assert "def shortcut_networks" in forger and "forged.{origin}" in forger
    assert "_solver.Solver.train = _forged_train" in solver_forger_notebook(released).cells[1].source
