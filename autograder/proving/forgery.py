"""The forge-everything submission: no implementation, every record a student could derive.

A check earns points only if its expected value cannot be derived from the test code
alone. Two ways to find out, both run by the gate:

- ``forger_notebook``: a concrete attacker. It implements nothing; a cell after the
  setup replaces the recorders and, before every test cell runs, emits a record for
  every check name (any feedback page lists them all): the public expected value where
  one ships, a least-squares linear fit to every public digit for accuracy checks, and
  zero otherwise. It is graded like any submission.
- ``blanket_forgeries``: every scored check against every blanket value (zeros, ones,
  the expected value's shape, small counts, the numbers written in its test cell, such
  as a layer size or a weight scale, any public expected value, the forger's own
  record), judged by the judge itself. A scored check that any of them passes is
  forgeable, and the release refuses it.

The forger also records, under a name no check has, a ridge-regularised least-squares
fit, which the quality report measures on the held-out examples as a known limit.
"""

import itertools
import json
import re

import nbformat
import numpy as np
from nbgrader import utils

from ..judge import is_scored, judge_check
from ..values import decode_value, encode_value

RIDGE_RECORD = "forge.ridge_least_squares"
_FORGER = '''# Forge everything: no implementation. Every check name (each feedback page lists them) gets,
# before each test cell runs, a value derived without computing anything.
import json
import numpy as np
from IPython import get_ipython
from IPython.display import display
import nnsupport.checks as _checks
from nnsupport.data import get_default_data
from nnsupport.values import encode_value

_NAMES = json.loads({names!r})  # check name -> kind
try:
    with open("public_checks.json") as _file:
        _public = json.load(_file)
except (OSError, ValueError):
    _public = {{}}
_digits = get_default_data()  # every public digit: train, validation and test
_X = np.concatenate([_digits[k].reshape(len(_digits[k]), -1) for k in ("X_train", "X_val", "X_test")])
_y = np.concatenate([_digits[k] for k in ("y_train", "y_val", "y_test")])
_A, _T = np.c_[_X, np.ones(len(_X))], np.eye(10)[_y]


def _linear(ridge):
    if ridge:
        W = np.linalg.solve(_A.T @ _A + ridge * np.eye(_A.shape[1]), _A.T @ _T)
    else:
        W = np.linalg.lstsq(_A, _T, rcond=None)[0]
    return {{"W1": W[:-1], "b1": W[-1]}}


_any_init = next((s["params"] for s in _public.values() if s.get("kind") == "init"), {{}})


def _forged(name, kind):
    spec = _public.get(name, {{}})
    if "expected" in spec:
        return spec["expected"]
    if kind == "accuracy":
        return encode_value(_linear(0))
    if kind == "init":
        return encode_value({{p: np.zeros(s["shape"], s["dtype"]) for p, s in spec.get("params", _any_init).items()}})
    return encode_value(0.0)


_RECORDS = [{{"name": n, "kind": k, "value": _forged(n, k)}} for n, k in _NAMES.items()]
_RECORDS.append({{"name": {ridge!r}, "kind": "accuracy", "value": encode_value(_linear(10.0))}})


def _emit(info):
    if "expect_" in (info.raw_cell or ""):
        for record in _RECORDS:
            display({{_checks.MIME_TYPE: record}}, raw=True)


def _silent(*args, **kwargs):
    pass


_checks.expect_close = _checks.expect_init = _checks.expect_accuracy = _silent
expect_close = expect_init = expect_accuracy = _silent
get_ipython().events.register("pre_run_cell", _emit)
'''


def forger_notebook(released_nb, bundle_cells):
    """The released notebook (nothing implemented) with the forger cell after its setup cell."""
    nb = nbformat.from_dict(released_nb)
    names = {spec["name"]: spec["kind"] for specs in bundle_cells.values() for spec in specs}
    setup = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(_FORGER.format(names=json.dumps(names),
                                                                        ridge=RIDGE_RECORD)))
    return nb


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d*)?(?:e-?\d+)?")
_READABLE_SIZE = 3  # expected values this small could be written down from the test code


def _numbers(source):
    return sorted({float(match) for match in _NUMBER.findall(source)} | set(range(11)))


def _blanket_values(expected, numbers):
    """Values anyone can write down for an expected array or dict of arrays."""
    if isinstance(expected, dict):
        return [{key: np.zeros_like(value) for key, value in expected.items()},
                {key: np.ones_like(value) for key, value in expected.items()}]
    values = [np.zeros_like(expected), np.ones_like(expected), np.array(expected.shape),
              np.arange(expected.size).reshape(expected.shape)]
    if expected.size <= _READABLE_SIZE:  # a shape, a count, a scale read off the test cell
        values += [np.array(combination, expected.dtype).reshape(expected.shape)
                   for combination in itertools.product(numbers, repeat=expected.size)]
    return values


def _init_values(spec):
    params = spec["params"]
    zeros = {name: np.zeros(p["shape"], p["dtype"]) for name, p in params.items()}
    ones = {name: np.ones(p["shape"], p["dtype"]) for name, p in params.items()}
    return [zeros, ones, {name: (ones if p["fill"] == "ones" else zeros)[name] for name, p in params.items()}]


def blanket_forgeries(bundle_cells, forged_records, sources=None):
    """{check name: what forges it} for every scored check a blanket value passes.

    ``forged_records`` are the records the concrete forger emitted (name -> record);
    ``sources`` the test cells' code (grade_id -> source), hidden tests included.
    """
    public_values = [spec["expected"] for specs in bundle_cells.values() for spec in specs
                     if spec["public"] and "expected" in spec and spec["kind"] == "close"]
    forgeable = {}
    for grade_id, specs in bundle_cells.items():
        numbers = _numbers((sources or {}).get(grade_id, ""))
        for spec in specs:
            if not is_scored(spec):
                continue
            candidates = [("the forger's record", forged_records[spec["name"]]["value"])] \
                if spec["name"] in forged_records else []
            candidates += [("a public expected value", value) for value in public_values]
            if spec["kind"] == "close":
                blanket = _blanket_values(decode_value(spec["expected"]), numbers)
            elif spec["kind"] == "init":
                blanket = _init_values(spec)
            else:
                blanket = []
            candidates += [("a constant (zeros, ones, a shape, a count or a number in the test cell)",
                            encode_value(v)) for v in blanket]
            for label, value in candidates:
                if judge_check(spec, [{"name": spec["name"], "kind": spec["kind"], "value": value}]).passed:
                    forgeable[spec["name"]] = label
                    break
    return forgeable


def forgeable_points(nb, bundle_cells, forgeable):
    """Points a forger collects with the forgeable checks: each test cell's points times
    the share of its scored checks that are forgeable."""
    points = 0.0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if utils.is_grade(cell) and grade_id in bundle_cells:
            scored = [spec for spec in bundle_cells[grade_id] if is_scored(spec)]
            if scored:
                points += cell.metadata.nbgrader.points * sum(s["name"] in forgeable for s in scored) / len(scored)
    return points
