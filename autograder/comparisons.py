"""How a recorded value compares with the expected one, and what to tell the student.

This module ships to students as ``nnsupport/comparisons.py``: the notebook's public
checks (printed while a student works, and raised under nbgrader's Validate) and the
grader call these same functions, so a student sees what the grader decides.

A check is one of three kinds:

- ``close``: an array, or a dict of named arrays (a loss with its gradients), within a
  relative error ``max(|x - y| / max(1e-8, |x| + |y|))`` of the expected value;
- ``init``: a network's initial parameters: the expected names, shapes and dtype, biases
  (and betas) exactly zero, gammas exactly one, weights with mean 0 and standard
  deviation ``weight_scale`` (within a relative tolerance);
- ``accuracy``: the classification accuracy of a plain network's parameters on the
  check's examples, at least a threshold.

A failure comes with a diagnosis: how the value is off (a flipped sign, a constant
factor, some rows only, NaN, ...), never the expected value itself. The grader
replaces it with a known mistake's diagnosis when the value matches that mistake's
fingerprint (``matching_mistakes``).
"""

from dataclasses import dataclass

import numpy as np

from .values import decode_value, relative_error

_FACTORS = (2, 3, 4, 5, 10)


@dataclass
class Comparison:
    passed: bool
    message: str  # what was measured, e.g. "relative error 3.1e-09 (tolerance 1e-08)"
    # Relative error (close), error rate (accuracy); None when a property failed (shape, dtype, NaN, ...).
    error: float | None = None
    diagnosis: str = ""  # for a failure: how the value is off
    signature: str = ""  # for a failure: a short code of how it failed, matched against known mistakes


def _names(keys, limit=4):
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def _factor_phrase(ratio):
    """'about 2x too large' for a simple ratio; just 'too large' otherwise (the exact factor
    would reveal the expected value)."""
    size = ratio if ratio >= 1 else 1 / ratio
    direction = "too large" if ratio >= 1 else "too small"
    for factor in _FACTORS:
        if abs(size - factor) <= 0.02 * factor:
            return f"about {factor}x {direction}"
    return direction


def _rows_phrase(ok):
    if ok.ndim == 2 and ok.shape[0] > 1:
        bad_rows = [str(i) for i in np.flatnonzero(~ok.all(axis=1))]
        if len(bad_rows) < ok.shape[0] and len(bad_rows) <= 4:
            rows = f"rows {', '.join(bad_rows)} differ" if len(bad_rows) > 1 else f"row {bad_rows[0]} differs"
            return f"only {rows}; the other rows match"
    return f"{int(ok.sum())} of {ok.size} entries match; the others differ"


def describe_difference(actual, expected, tol):
    """How ``actual`` (same shape as ``expected``, finite) is off, without expected values."""
    a, e = np.asarray(actual, np.float64).ravel(), np.asarray(expected, np.float64).ravel()
    slack = max(10 * tol, 1e-6)
    if not np.any(a) and np.any(e):
        return "the values are all zero"
    if np.any(e) and relative_error(a, -e) <= slack:
        return "the values have the opposite sign everywhere"
    norm = float(e @ e)
    if norm > 0:
        ratio = float(a @ e) / norm
        if ratio > 0 and relative_error(a, ratio * e) <= slack:
            return f"the values are {_factor_phrase(ratio)}, by the same factor everywhere"
    ok = np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e)) <= tol
    if ok.any():
        return _rows_phrase(ok.reshape(np.shape(expected)))
    return "every entry differs"


def _other_names(expected, actual, advice):
    """A failed Comparison when the dict ``actual`` lacks names of ``expected`` or has others."""
    missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    if not (missing or extra):
        return None
    parts = ([f"missing {_names(missing)}"] if missing else []) + ([f"unexpected {_names(extra)}"] if extra else [])
    return Comparison(False, "; ".join(parts), None, advice, "keys")


def _compare_array(actual, expected, tol, check_dtype, public):
    """(Comparison, property failure or None) for one array."""
    if actual.shape != expected.shape:
        wanted = f", expected {expected.shape}" if public else " (not the expected shape)"
        return Comparison(False, f"shape {actual.shape}{wanted}", None,
                          "the result has the wrong shape: check reshapes, transposes and which axis you sum over",
                          "shape"), "shape"
    if check_dtype and actual.dtype != expected.dtype:
        return Comparison(False, f"dtype {actual.dtype}, expected {expected.dtype}", None,
                          f"the result is {actual.dtype}, the inputs were {expected.dtype}: numpy upcasts when "
                          "an array meets a float64 array or numpy float64 scalar (see Data types)",
                          "dtype"), "dtype"
    values = actual.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return Comparison(False, "contains NaN or infinity", None,
                          "NaN or infinity: a division by zero, the log of zero or an overflow in exp",
                          "nonfinite"), "nonfinite"
    error = relative_error(values, expected)
    message = f"relative error {error:.2e} (tolerance {tol:.0e})"
    if error <= tol:
        return Comparison(True, message, error), None
    return Comparison(False, message, error, describe_difference(values, expected, tol), "values"), None


def compare_close(spec, actual):
    """Compare a decoded value with a ``close`` spec's expected array or dict of arrays."""
    expected = decode_value(spec["expected"])
    tol, check_dtype, public = spec["tol"], spec.get("check_dtype", False), spec.get("public", False)
    if not isinstance(expected, dict):
        if isinstance(actual, dict):
            return Comparison(False, "a dict came instead of an array", None,
                              "the check expects an array here", "structure")
        return _compare_array(actual, expected, tol, check_dtype, public)[0]
    if not isinstance(actual, dict):
        return Comparison(False, f"an array came instead of the entries {_names(expected)}", None,
                          "the check expects a dict of named arrays here", "structure")
    mismatch = _other_names(expected, actual, "some entries are missing or unexpected: check the names of "
                                              "what you return")
    if mismatch:
        return mismatch
    results = {key: _compare_array(actual[key], expected[key], tol, check_dtype, public) for key in expected}
    failed = sorted(key for key, (result, _) in results.items() if not result.passed)
    if not failed:
        error = max((result.error for result, _ in results.values()), default=0.0)
        return Comparison(True, f"relative error {error:.2e} (tolerance {tol:.0e})", error)
    properties = [key for key in failed if results[key][1]]
    details = "; ".join(f"{key}: {results[key][0].diagnosis}" for key in failed[:3])
    scope = f"{_names(failed)} differ{'s' if len(failed) == 1 else ''}"
    if len(failed) < len(expected):
        scope += "; the other entries match"
    signature = ",".join(f"{key}:{results[key][1] or 'values'}" for key in failed)
    if properties:
        return Comparison(False, f"{_names(properties)}: {results[properties[0]][0].message}", None,
                          f"{scope} ({details})", signature)
    error = max(results[key][0].error for key in failed)
    return Comparison(False, f"relative error {error:.2e} (tolerance {tol:.0e}) in {_names(failed)}", error,
                      f"{scope} ({details})", signature)


_INIT_ADVICE = {
    "shape": "has the wrong shape: W{i} maps layer i-1 to layer i",
    "dtype": "does not have the network's dtype: cast every parameter to dtype",
    "zeros": "is not all zeros: biases (and betas) start at zero",
    "ones": "is not all ones: gammas start at one",
    "std_high": "spreads too widely for weight_scale: is weight_scale the standard deviation?",
    "std_low": "spreads too narrowly for weight_scale: is weight_scale the standard deviation?",
    "mean": "is not centred on zero: draw weights from a normal distribution with mean 0",
    "nonfinite": "contains NaN or infinity",
}


def _init_problem(actual, wanted, weight_scale, tol):
    if list(actual.shape) != wanted["shape"]:
        return "shape"
    if actual.dtype.name != wanted["dtype"]:
        return "dtype"
    values = actual.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return "nonfinite"
    if wanted["fill"] == "zeros":
        return None if not np.any(values) else "zeros"
    if wanted["fill"] == "ones":
        return None if np.all(values == 1) else "ones"
    std, mean = float(values.std()), float(values.mean())
    if std > weight_scale * (1 + tol):
        return "std_high"
    if std < weight_scale * (1 - tol):
        return "std_low"
    return "mean" if abs(mean) > tol * weight_scale else None


def compare_init(spec, actual):
    """Compare a network's initial parameters with an ``init`` spec (see the module docstring)."""
    wanted = spec["params"]
    if not isinstance(actual, dict):
        return Comparison(False, "not a dict of parameters", None, "record model.params, a dict", "structure")
    mismatch = _other_names(wanted, actual, "the parameter names differ: W1, b1, ..., WL, bL, one pair per "
                                            "layer (L = hidden layers + 1)")
    if mismatch:
        return mismatch
    problems = {name: _init_problem(actual[name], wanted[name], spec["weight_scale"], spec["tol"]) for name in wanted}
    failed = sorted(name for name, problem in problems.items() if problem)
    if not failed:
        return Comparison(True, f"{len(wanted)} parameters: names, shapes, dtype, zero biases and weight scale "
                                "as expected")
    details = "; ".join(f"{name} {_INIT_ADVICE[problems[name]]}" for name in failed[:3])
    return Comparison(False, f"{len(failed)} of {len(wanted)} parameters differ: {_names(failed)}", None,
                      details + ("; ..." if len(failed) > 3 else ""),
                      ",".join(f"{name}:{problems[name]}" for name in failed))


MAX_NETWORK_PARAMETERS = 10**6  # an accuracy check evaluates at most this many weights and biases
_CHUNK_ELEMENTS = 2**21  # rows of examples at a time: hidden activations stay under 16 MB


def _plain_layers(params, width):
    """[(W, b), ...] of a plain network taking inputs of ``width``, checked before any computation."""
    layers = len([name for name in params if name.startswith("W")])
    expected = {f"{kind}{i}" for kind in "Wb" for i in range(1, layers + 1)}
    if layers == 0 or set(params) != expected:
        raise ValueError(
            f"parameters {_names(params, 8)} are not those of a plain network (W1..WL, b1..bL)")
    size = sum(int(np.size(value)) for value in params.values())
    if size > MAX_NETWORK_PARAMETERS:
        raise ValueError(f"{size} weights and biases; the grader evaluates networks of at most "
                         f"{MAX_NETWORK_PARAMETERS}")
    weights = []
    for i in range(1, layers + 1):
        W, b = np.asarray(params[f"W{i}"], np.float64), np.asarray(params[f"b{i}"], np.float64)
        if W.ndim != 2 or W.shape[0] != width or b.shape != (W.shape[1],):
            raise ValueError(f"W{i} {W.shape} and b{i} {b.shape} do not fit inputs of width {width}")
        weights.append((W, b))
        width = W.shape[1]
    return weights


def mlp_scores(params, X):
    """Class scores of a plain fully connected network {affine - relu} x (L-1) - affine.

    ``params`` holds W1..WL and b1..bL; anything else (normalization parameters) is
    refused, since this forward pass would silently ignore it, and so is a network of
    more than MAX_NETWORK_PARAMETERS. Examples go through in chunks, so memory stays
    bounded whatever the layers' widths.
    """
    inputs = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    layers = _plain_layers(params, inputs.shape[1])
    widest = max([inputs.shape[1]] + [W.shape[1] for W, _ in layers])
    rows = max(1, _CHUNK_ELEMENTS // widest)
    chunks = []
    for start in range(0, len(inputs), rows):
        hidden = inputs[start:start + rows]
        for i, (W, b) in enumerate(layers, start=1):
            hidden = hidden @ W + b
            if i < len(layers):
                hidden = np.maximum(hidden, 0)
        chunks.append(hidden)
    return np.concatenate(chunks)


def mlp_accuracy(params, X, y):
    return float(np.mean(np.argmax(mlp_scores(params, X), axis=1) == np.asarray(y)))


def compare_accuracy(spec, actual, X, y):
    """Accuracy of the parameters ``actual`` on (X, y) against the spec's threshold."""
    if not isinstance(actual, dict):
        return Comparison(False, "unusable parameters: not a dict of parameters", None,
                          "record model.params, a dict", "structure")
    try:
        accuracy = mlp_accuracy(actual, X, y)
    except ValueError as problem:
        return Comparison(False, f"unusable parameters: {problem}", None,
                          "the grader evaluates a plain network: W1, b1, ..., WL, bL and nothing else",
                          "structure")
    threshold = spec["threshold"]
    message = f"accuracy {accuracy:.4f} (needs at least {threshold})"
    if accuracy >= threshold:
        return Comparison(True, message, 1 - accuracy)
    return Comparison(False, message, 1 - accuracy,
                      "the network does not classify well enough yet: train longer, or tune the learning "
                      "rate, the weight scale and the network's size", "accuracy")


def _same(actual, fingerprint, tol):
    """Whether two decoded values agree within ``tol`` (NaN and inf where the other has them too)."""
    if isinstance(fingerprint, dict) or isinstance(actual, dict):
        return (isinstance(fingerprint, dict) and isinstance(actual, dict) and set(actual) == set(fingerprint)
                and all(_same(actual[key], fingerprint[key], tol) for key in fingerprint))
    if actual.shape != fingerprint.shape:
        return False
    a, f = actual.astype(np.float64), fingerprint.astype(np.float64)
    finite = np.isfinite(a) & np.isfinite(f)
    if not np.array_equal(np.isfinite(a), np.isfinite(f)) or not np.array_equal(a[~finite], f[~finite],
                                                                               equal_nan=True):
        return False
    return relative_error(a[finite], f[finite]) <= max(tol, 1e-9)


def matching_mistakes(spec, actual, comparison):
    """Diagnoses of the known mistakes whose fingerprint this failed value matches."""
    found = []
    for fingerprint in spec.get("fingerprints", []):
        if spec["kind"] == "close":
            matches = _same(actual, decode_value(fingerprint["value"]), spec["tol"])
        else:
            matches = fingerprint["signature"] == comparison.signature
        if matches and fingerprint["diagnosis"] not in found:
            found.append(fingerprint["diagnosis"])
    return found


def compare(spec, actual, X=None, y=None):
    """The Comparison for one check; for a failure, with the best diagnosis available."""
    if spec["kind"] == "close":
        comparison = compare_close(spec, actual)
    elif spec["kind"] == "init":
        comparison = compare_init(spec, actual)
    elif spec["kind"] == "accuracy":
        comparison = compare_accuracy(spec, actual, X, y)
    else:
        raise ValueError(f"unknown check kind {spec['kind']!r}")
    if not comparison.passed:
        known = matching_mistakes(spec, actual, comparison)
        if known:
            comparison.diagnosis = " Or: ".join(known[:2])
    return comparison
