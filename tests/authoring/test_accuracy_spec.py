"""An accuracy check's spec records the kind of network the reference is, and ships it when public."""

import nbformat
import numpy as np

from autograder.authoring.expected import checks_from_executed, public_expectations
from autograder.checks import MIME_TYPE
from autograder.kinds.accuracy import compare_accuracy, network_parameters
from autograder.network_scores import mlp_scores
from autograder.values import encode_value
from tests.networks import network, trained_normalised_network

SOURCE = (
    'expect_accuracy("model.val_acc", model, X, y, threshold=0.5)\n'
    "### BEGIN HIDDEN TESTS\n"
    'expect_accuracy("model.heldout_acc", model, threshold=0.5)\n'
    "### END HIDDEN TESTS"
)


def executed_notebook(params, X, y):
    """A source notebook with one executed test cell: a public and a hidden accuracy check of ``params``."""
    public = {"name": "model.val_acc", "kind": "accuracy", "threshold": 0.5, "value": encode_value(params)}
    public["inputs"] = {"X": encode_value(X), "y": encode_value(y)}
    hidden = {"name": "model.heldout_acc", "kind": "accuracy", "threshold": 0.5, "value": encode_value(params)}
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_model", "points": 1, "locked": True}
    cell.outputs = [nbformat.v4.new_output("display_data", data={MIME_TYPE: record}) for record in (public, hidden)]
    return nbformat.v4.new_notebook(cells=[cell])


def test_a_normalised_reference_gives_checks_of_its_kind_public_and_hidden():
    model, X, y = trained_normalised_network("batchnorm")
    params = network_parameters(model)
    nb = executed_notebook(params, X, y)
    cells = checks_from_executed(nb, "Model.ipynb", heldout={"model.heldout_acc": lambda: (X, y)})
    specs = {spec["name"]: spec for spec in cells["test_model"]}
    assert {spec["normalization"] for spec in specs.values()} == {"batchnorm"}
    assert public_expectations(cells)["model.val_acc"]["normalization"] == "batchnorm"
    # A plain network, or a layer-normalised one, is not what this check evaluates.
    assert not compare_accuracy(specs["model.heldout_acc"], network([6, 16, 12, 3]), X, y).passed


def test_a_plain_reference_gives_specs_without_a_normalisation():
    params = network([6, 5, 3])
    X = np.random.default_rng(0).standard_normal((20, 6))
    y = np.argmax(mlp_scores(params, X), axis=1)  # the labels it gives: accuracy 1
    nb = executed_notebook(params, X, y)
    cells = checks_from_executed(nb, "Model.ipynb", heldout={"model.heldout_acc": lambda: (X, y)})
    assert all("normalization" not in spec for spec in cells["test_model"])
