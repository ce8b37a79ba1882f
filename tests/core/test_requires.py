"""A check that requires another (the same code on a large input) earns points only with it."""

import nbformat
import numpy as np
import pytest

from autograder.authoring.expected import checks_from_executed
from autograder.checks import MIME_TYPE
from autograder.errors import ReleaseError
from autograder.judge import judge_cell
from autograder.values import encode_value


def spec(name, expected, public=False, requires=None):
    spec = {"name": name, "kind": "close", "tol": 1e-8, "check_dtype": False, "public": public}
    spec["expected"] = encode_value(expected)
    if requires:
        spec["requires"] = requires
    return spec


def record(name, value):
    return {"name": name, "kind": "close", "value": encode_value(value)}


SPECS = [
    spec("grad.public", 1.0, public=True),
    spec("grad.large", np.arange(3.0)),
    spec("grad.small0", 2.0, requires="grad.large"),
    spec("grad.small1", 3.0, requires="grad.large"),
    spec("grad.other", 4.0),
]


def test_checks_right_on_small_inputs_count_only_with_the_large_one():
    small = [
        record("grad.public", 1.0),
        record("grad.small0", 2.0),
        record("grad.small1", 3.0),
        record("grad.other", 4.0),
    ]
    fraction, verdicts = judge_cell(SPECS, [record("grad.large", np.arange(3.0)), *small])
    assert fraction == 1.0 and all(v.passed for v in verdicts)

    # Wrong on the large input (or never recorded there: a CPU budget stopped the cell's call).
    for large in ([record("grad.large", np.zeros(3))], []):
        fraction, verdicts = judge_cell(SPECS, large + small)
        by_name = {v.name: v for v in verdicts}
        assert fraction == pytest.approx(1 / 4)  # only grad.other, which requires nothing
        for name in ("grad.small0", "grad.small1"):
            assert not by_name[name].passed
            assert "counts only together with grad.large" in by_name[name].message
            assert "grad.large" in by_name[name].diagnosis
        assert by_name["grad.public"].passed and by_name["grad.other"].passed


def test_a_wrong_small_value_keeps_its_own_verdict():
    records = [record("grad.large", np.zeros(3)), record("grad.small0", 2.5), record("grad.small1", 3.0)]
    by_name = {v.name: v for v in judge_cell(SPECS, records)[1]}
    assert "relative error" in by_name["grad.small0"].message  # its own failure, not the requirement's
    assert "counts only together" in by_name["grad.small1"].message


def executed(records, hidden_names):
    """A source notebook's executed test cell holding ``records``; ``hidden_names`` are in its hidden region."""
    visible = "\n".join(f'expect_close("{r["name"]}", 0, tol=1e-8)' for r in records if r["name"] not in hidden_names)
    hidden = "\n".join(f'expect_close("{name}", 0, tol=1e-8)' for name in hidden_names)
    cell = nbformat.v4.new_code_cell(f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_grad", "points": 2, "locked": True}
    cell.outputs = [nbformat.v4.new_output("display_data", data={MIME_TYPE: r}) for r in records]
    return nbformat.v4.new_notebook(cells=[cell])


def close_record(name, value, requires=None):
    r = {"name": name, "kind": "close", "tol": 1e-8, "check_dtype": False, "value": encode_value(value)}
    if requires:
        r["requires"] = requires
    return r


def test_the_release_keeps_a_requirement_between_hidden_checks_of_one_cell():
    records = [close_record("g.large", 1.0), close_record("g.small", 2.0, requires="g.large")]
    cells = checks_from_executed(executed(records, ["g.large", "g.small"]), "Grad.ipynb")
    assert {s["name"]: s.get("requires") for s in cells["test_grad"]} == {"g.large": None, "g.small": "g.large"}


@pytest.mark.parametrize(
    "records, hidden, complaint",
    [
        ([close_record("g.large", 1.0), close_record("g.small", 2.0, requires="g.large")], ["g.large"], "is public"),
        ([close_record("g.small", 2.0, requires="g.nowhere")], ["g.small"], "does not record"),
        ([close_record("g.small", 2.0, requires="g.small")], ["g.small"], "another hidden check"),
        ([close_record("g.pub", 1.0), close_record("g.small", 2.0, requires="g.pub")], ["g.small"], "another hidden"),
        (
            [close_record("g.a", 1.0, requires="g.b"), close_record("g.b", 2.0, requires="g.a")],
            ["g.a", "g.b"],
            "requires nothing itself",
        ),
    ],
    ids=["public requirer", "unknown check", "itself", "public required", "cycle"],
)
def test_the_release_refuses_a_requirement_that_could_hide_what_decides_the_points(records, hidden, complaint):
    with pytest.raises(ReleaseError, match=complaint) as raised:
        checks_from_executed(executed(records, hidden), "Grad.ipynb")
    assert "Grad.ipynb" in str(raised.value) and "test_grad" in str(raised.value)
