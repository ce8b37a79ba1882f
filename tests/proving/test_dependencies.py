"""Which solution cells a test cell runs, read from names: the basis of sharing gate runs."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook
from support import ASSIGNMENT, NOTEBOOK, REPO_ROOT

from autograder.proving.dependencies import solution_dependencies, without_untested_cells

SOURCE = REPO_ROOT / "source_assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def cell(source, grade_id=None, solution=False, grade=False):
    new = new_code_cell(source)
    if grade_id:
        new.metadata["nbgrader"] = {
            "grade_id": grade_id,
            "solution": solution,
            "grade": grade,
            "locked": not solution,
            "schema_version": 3,
            "points": 1 if grade else 0,
        }
    return new


def test_the_notebooks_test_cells_reach_exactly_the_functions_they_run():
    dependencies = solution_dependencies(nbformat.read(SOURCE, 4))
    assert dependencies["test_affine_forward"] == {"affine_forward"}
    assert dependencies["test_affine_backward"] == {"affine_forward", "affine_backward"}
    assert dependencies["test_adam"] == {"adam"}
    network = {
        "FullyConnectedNet",
        "affine_forward",
        "affine_backward",
        "relu_forward",
        "relu_backward",
        "softmax_loss",
    }  # through the locked layer_utils cell
    assert dependencies["test_fc_net_loss_grads"] == network
    assert dependencies["test_best_model"] == network | {"best_model", "adam"}


def test_names_resolve_to_the_last_definition_before_their_use():
    nb = new_notebook(
        cells=[
            cell("def f(x):\n    return g(x)", "f", solution=True),
            cell("def g(x):\n    return x", "g", solution=True),
            cell("x = 1\nprint(f(x))", "test_f", grade=True),
            cell("def g(x):\n    return 2 * x", "g_again", solution=True),  # after the test: not reached
            cell("h = lambda: f(0)\nh()", "test_lambda", grade=True),  # a function body resolves at call time
            cell("y = [f(i) for i in range(3)]", "test_comprehension", grade=True),
        ]
    )
    dependencies = solution_dependencies(nb)
    assert dependencies["test_f"] == {"f", "g"}
    assert dependencies["test_lambda"] == {"f", "g_again"}
    assert dependencies["test_comprehension"] == {"f", "g_again"}


def test_cells_no_test_runs_are_emptied_and_nothing_else():
    nb = nbformat.read(SOURCE, 4)
    pruned = without_untested_cells(nb)
    emptied = [original for original, new in zip(nb.cells, pruned.cells, strict=True) if original.source != new.source]
    assert emptied and all(c.cell_type == "code" and "nbgrader" not in c.metadata for c in emptied)
    assert any("plot_training_curves" in c.source for c in emptied)  # the update-rule comparison
