"""The gate's kernels draw fixed entropy, so a release of mistakes that draw without a seed is
the same every time; a kernel started without it (a student's) draws afresh."""

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from autograder.execution import GuardedExecute
from autograder.proving.trials import FIXED_ENTROPY, with_fixed_entropy

pytestmark = pytest.mark.slow  # kernels

DRAWS = (
    "import numpy as np\nprint(np.random.default_rng().random(), np.random.rand(), np.random.default_rng().random())"
)


def unseeded_draws(config):
    """What a notebook that draws without a seed prints, run by nbgrader's Execute as the gate's
    workers run it (the sandbox aside)."""
    notebook = new_notebook(cells=[new_code_cell(DRAWS)])
    GuardedExecute(config=Config(config)).preprocess(notebook, {"metadata": {"path": "."}})
    return notebook.cells[0].outputs[0]["text"]


def test_unseeded_draws_repeat_in_the_gate_s_kernels_and_only_there():
    students = {"Execute": {"timeout": 60}}
    gate = with_fixed_entropy(students)
    assert gate["Execute"] == {"timeout": 60, "extra_arguments": [FIXED_ENTROPY]}
    assert students == {"Execute": {"timeout": 60}}  # the students' configuration is left alone
    first, second = unseeded_draws(gate), unseeded_draws(gate)
    assert first == second
    one, two, three = map(float, first.split())
    assert len({one, two, three}) == 3  # each draw in a kernel still differs from the next
    assert unseeded_draws(students) != unseeded_draws(students)
