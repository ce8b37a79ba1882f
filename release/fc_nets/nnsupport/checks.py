"""Record values for the grader; report the public checks to the student.

This module ships to students as ``nnsupport/checks.py``. Test cells call::

    expect_close("sgd_momentum.next_w", next_w, tol=1e-8)
    expect_init("fc_net_init.params", model.params, weight_scale=5e-2)
    expect_accuracy("best_model.heldout_acc", model.params, threshold=0.9)

Each call *records* the value (for init and accuracy checks: the network's
parameters): it emits a display output with our own MIME type, which the grader
reads after the kernel has finished. The verdict (comparison with the reference,
tolerance, points) is computed in the grading process, where student code cannot
reach it; nothing here decides a grade, so patching this module changes nothing but
what the student sees. Tolerances and thresholds written in the call are recorded
too, but the grader takes them from the instructor's grading bundle.

Checks on visible inputs are *public*: the release ships their expected values in
``public_checks.json``, and each call prints the verdict as CS231n does
(``sgd_momentum.next_w error: 3.1e-09 (tolerance 1e-08): ok``), with a diagnosis
when it fails. Under nbgrader's Validate (``NBGRADER_VALIDATING=1``) the last public
check of a test cell raises an ``AssertionError`` listing every public check of that
cell that failed, so that Validate reports the cell; while grading
(``NBGRADER_EXECUTION=autograde``) nothing is ever raised.
"""

import json
import os
from typing import Any

from .kinds import accuracy, close, compare, init, kind_of
from .values import decode_value

MIME_TYPE = "application/vnd.nn-autograder.check+json"
PUBLIC_CHECKS_FILE = "public_checks.json"
_public: dict[str, Any] = {"mtime": None, "checks": {}}
_failures: dict[str, list] = {}  # test cell -> failed public checks so far (used under Validate)


def _emit(record):
    """Hand a record to the grader as a display output (a no-op outside IPython)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display({MIME_TYPE: record}, raw=True)


def _public_spec(name):
    """The shipped spec of a public check, or None (a hidden check, or no release files here)."""
    try:
        mtime = os.stat(PUBLIC_CHECKS_FILE).st_mtime_ns
        if mtime != _public["mtime"]:
            with open(PUBLIC_CHECKS_FILE) as f:
                _public.update(checks=json.load(f), mtime=mtime)
    except (OSError, ValueError):
        return None
    spec = _public["checks"].get(name)
    return spec if isinstance(spec, dict) else None


def _validating():
    return os.environ.get("NBGRADER_VALIDATING") == "1" or os.environ.get("NBGRADER_EXECUTION") == "validate"


def _line(name, comparison, spec):
    line = kind_of(spec).verdict_line(name, comparison, spec)  # worded as the check's kind words it
    return line if comparison.passed else f"{line}\n    -> {comparison.diagnosis}"


def _fail(failed):
    # The one frame of this module a student sees under Validate: keep it short.
    raise AssertionError(f"{len(failed)} visible check(s) failed in this cell:\n" + "\n".join(failed))


def _report(record):
    """Print a public check's verdict (an accuracy on the examples the record holds, as the
    grader measures it); under Validate, raise at the cell's last public check."""
    __tracebackhide__ = True  # noqa: F841 - IPython hides this frame in the student's traceback
    spec = _public_spec(record["name"])
    if spec is None:
        return
    try:
        inputs = [decode_value(record["inputs"][part]) for part in ("X", "y")] if "inputs" in record else []
        comparison = compare(spec, kind_of(record).decode(record["value"]), *inputs)
        line = _line(record["name"], comparison, spec)
    except (ValueError, KeyError, TypeError) as problem:
        comparison, line = None, f"{record['name']}: cannot compare this value ({problem})"
    print(line)
    if not _validating():
        return
    cell = spec.get("cell")
    if spec.get("first_in_cell"):
        _failures.pop(cell, None)  # a cell run again starts afresh
    if comparison is None or not comparison.passed:
        _failures.setdefault(cell, []).append(line)
    if spec.get("last_in_cell") and cell in _failures:
        _fail(_failures.pop(cell))


def expect_close(name, value, tol, check_dtype=False, requires=None):
    """Record ``value`` for the check ``name``, judged by relative error <= tol.

    ``value`` is a number, an array, or a dict of named arrays (judged entry by entry).
    With check_dtype=True the value's dtype must also match the reference's. In a hidden
    test, ``requires`` names another hidden check of the cell (the same code on a large
    input): this check then earns its points only when that one passes too.
    """
    __tracebackhide__ = True  # noqa: F841
    record = close.record(name, value, tol, check_dtype)
    if requires is not None:
        record["requires"] = str(requires)
    _emit(record)
    _report(record)


def expect_init(name, params, weight_scale, tol=0.15):
    """Record a new network's parameters; the grader checks their names, shapes and dtype,
    that biases start at zero, and that weights have mean 0 and standard deviation
    ``weight_scale`` (within a relative ``tol``). Only each parameter's summary is recorded
    (dtype, shape and statistics): random initial weights are large and do not compress."""
    __tracebackhide__ = True  # noqa: F841
    record = init.record(name, params, weight_scale, tol)
    _emit(record)
    _report(record)


def expect_accuracy(name, network, X=None, y=None, threshold=None):
    """Record a trained network; the check passes when its accuracy is at least ``threshold``.

    ``network`` is the model itself (a FullyConnectedNet, plain or with batch or layer
    normalisation) or the dict of its parameters (``model.params``, enough for a network
    without batch normalisation). The grader computes the accuracy itself, with the test-mode
    forward pass {affine - [norm] - relu} x (L-1) - affine: on the examples (X, y) the
    notebook passes, or, when X and y are not given, on held-out examples that only the
    grader has. Parameters and examples are recorded in single precision (an accuracy needs
    no more; a class's records halve). Nothing is judged here: that forward pass is made of
    the layers students write, so it never ships to the kernel; the student's Check (or
    ``autograder check``) judges a visible accuracy check outside the kernel.
    """
    __tracebackhide__ = True  # noqa: F841
    record = accuracy.record(name, network, threshold, X, y)
    _emit(record)
    if X is None:
        print(f"{name}: recorded; the grader measures the accuracy on held-out examples (needs at least {threshold})")
    else:
        print(
            f"{name}: recorded; press Check (or run `autograder check`) to see its accuracy on these examples "
            f"(needs at least {threshold})"
        )
