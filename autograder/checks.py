"""Record values for the grader; print CS231n-style errors for the public checks.

This module ships to students as ``nnsupport/checks.py``. Test cells call::

    expect_close("sgd_momentum.next_w", next_w, tol=1e-8)
    expect_accuracy("best_model.val_acc", model.params, X_val, y_val, threshold=0.9)

Each call *records* the value (for an accuracy check: the network's parameters):
it emits a display output with our own MIME type, which the grader reads after the
kernel has finished. The verdict (relative error
against the reference, tolerance, points) is computed in the grading process, where
student code cannot reach it; nothing here decides a grade, so patching this module
changes nothing but what the student sees. Tolerances and thresholds written in the
call are recorded too, but the grader takes them from the instructor's grading
bundle (recorded from the reference run), never from a student's record.

For checks whose inputs are visible in the notebook, the release ships the
reference values in ``public_checks.json`` so that the student sees
``sgd_momentum.next_w error: 3.1e-09 (tolerance 1e-08): ok`` while working.
"""

import base64
import json

import numpy as np

MIME_TYPE = "application/vnd.nn-autograder.check+json"
PUBLIC_CHECKS_FILE = "public_checks.json"
_NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats


def encode_value(value):
    """A JSON-safe description of a numeric value: dtype, shape and raw bytes.

    Raw little-endian bytes keep every bit (and NaN / inf) and decode without
    pickle or eval. Anything that is not a numeric array or scalar is described
    by its type only, so the grader can say what came instead.
    """
    try:
        array = np.asarray(value)
    except Exception:  # ragged lists and other objects numpy refuses
        return {"unsupported": type(value).__name__}
    if array.dtype.kind not in _NUMERIC_KINDS:
        return {"unsupported": f"{type(value).__name__} of dtype {array.dtype}"}
    little_endian = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {
        "dtype": array.dtype.name,
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(little_endian).tobytes()).decode("ascii"),
    }


def decode_value(encoded):
    """Inverse of ``encode_value``; raises ValueError on anything malformed."""
    if not isinstance(encoded, dict):
        raise ValueError("value is not an object")
    if "unsupported" in encoded:
        raise ValueError(f"not a number or numeric array: {encoded['unsupported']}")
    dtype = np.dtype(str(encoded["dtype"]))
    if dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"dtype {dtype} is not numeric")
    shape = tuple(int(n) for n in encoded["shape"])
    raw = base64.b64decode(str(encoded["data"]), validate=True)
    if len(raw) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ValueError("data length does not match dtype and shape")
    return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).reshape(shape).astype(dtype)


def relative_error(x, y):
    """``max(|x - y| / max(1e-8, |x| + |y|))``, computed in float64."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _emit(record):
    """Hand a record to the grader as a display output (a no-op outside IPython)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display({MIME_TYPE: record}, raw=True)


def _public_expectation(name):
    try:
        with open(PUBLIC_CHECKS_FILE) as f:
            return json.load(f).get(name)
    except (OSError, ValueError):
        return None


def expect_close(name, value, tol, check_dtype=False, scored=True):
    """Record ``value`` for the check ``name``, judged by relative error <= tol.

    With check_dtype=True the value's dtype must also match the reference's (a
    float32 check wants float32 back, not a silent float64 upcast). With
    scored=False the check is feedback only: for values anyone could guess (zeros),
    which a forged record would match without any work.
    """
    _emit({"name": name, "kind": "close", "tol": tol, "check_dtype": bool(check_dtype),
           "scored": bool(scored), "value": encode_value(value)})
    public = _public_expectation(name)
    if public is None:
        return
    try:
        expected = decode_value(public["expected"])
        actual = np.asarray(value)
    except (ValueError, KeyError, TypeError):
        print(f"{name}: cannot compare this value ({type(value).__name__})")
        return
    if actual.shape != expected.shape:
        print(f"{name}: shape {actual.shape}, expected {expected.shape}")
        return
    error = relative_error(actual, expected)
    verdict = "ok" if error <= tol else "too large"
    if check_dtype and actual.dtype != expected.dtype:
        verdict = f"dtype {actual.dtype}, expected {expected.dtype}"
    print(f"{name} error: {error:.2e} (tolerance {tol:.0e}): {verdict}")


def mlp_scores(params, X):
    """Class scores of a plain fully connected network {affine - relu} x (L-1) - affine.

    ``params`` holds W1..WL and b1..bL; anything else (normalization parameters) is
    refused, since this forward pass would silently ignore it.
    """
    layers = len([name for name in params if name.startswith("W")])
    expected = {f"{kind}{i}" for kind in "Wb" for i in range(1, layers + 1)}
    if layers == 0 or set(params) != expected:
        raise ValueError(
            f"parameters {sorted(params)} are not those of a plain network (W1..WL, b1..bL)")
    hidden = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    for i in range(1, layers + 1):
        W, b = np.asarray(params[f"W{i}"], np.float64), np.asarray(params[f"b{i}"], np.float64)
        if W.ndim != 2 or W.shape[0] != hidden.shape[1] or b.shape != (W.shape[1],):
            raise ValueError(f"W{i} {W.shape} and b{i} {b.shape} do not fit inputs of width {hidden.shape[1]}")
        hidden = hidden @ W + b
        if i < layers:
            hidden = np.maximum(hidden, 0)
    return hidden


def mlp_accuracy(params, X, y):
    return float(np.mean(np.argmax(mlp_scores(params, X), axis=1) == np.asarray(y)))


def expect_accuracy(name, params, X, y, threshold):
    """Record a trained network's parameters; the check passes when its accuracy on
    (X, y) is at least ``threshold``.

    The grader computes the accuracy itself, from the parameters and its own copy of
    the data, with a plain {affine - relu} x (L-1) - affine forward pass.
    """
    _emit({"name": name, "kind": "accuracy", "threshold": threshold,
           "inputs": {"X": encode_value(X), "y": encode_value(y)},
           "value": {key: encode_value(value) for key, value in dict(params).items()}})
    if _public_expectation(name) is not None:
        try:
            accuracy = mlp_accuracy(params, X, y)
        except ValueError as problem:
            print(f"{name}: {problem}")
            return
        verdict = "ok" if accuracy >= threshold else "too low"
        print(f"{name}: {accuracy:.4f} (needs at least {threshold}): {verdict}")
