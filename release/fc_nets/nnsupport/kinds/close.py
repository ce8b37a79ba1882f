"""The ``close`` kind: an array, or a dict of named arrays (a loss with its gradients), within a
relative error ``max(|x - y| / max(1e-8, |x| + |y|))`` of the expected value.

Recorded whole (``expect_close``); a known mistake's fingerprint is its value (or a sketch of
it, ``comparisons.sketch_value``), matched within the check's own tolerance.
"""

import numpy as np

from ..comparisons import (
    Comparison,
    _names,
    _other_names,
    _same,
    _same_sketched,
    describe_difference,
    plain_verdict_line,
)
from ..values import decode_value, encode_value, relative_error

NAME = "close"
PUBLIC_FIELDS = ("tol", "check_dtype", "expected", "fingerprints")
EXAMPLES = False
MARGIN = 100  # a mistake's error must be at least this many tolerances


def record(name, value, tol, check_dtype):
    """What ``expect_close`` records: the value whole, with the tolerance the call names."""
    return {"name": name, "kind": NAME, "tol": tol, "check_dtype": bool(check_dtype), "value": encode_value(value)}


def decode(encoded):
    return decode_value(encoded)


def spec_fields(record, public, heldout):
    """The reference's value is the expected one."""
    return {"tol": float(record["tol"]), "check_dtype": bool(record["check_dtype"]), "expected": record["value"]}


def compare(spec, actual, X=None, y=None):
    """Compare a decoded value with the spec's expected array or dict of arrays."""
    return compare_close(spec, actual)


def tolerance(spec):
    tol = spec.get("tol")
    return tol if isinstance(tol, (int, float)) else None


def verdict_line(name, comparison, spec):
    """CS231n's line: ``name error: 3.1e-09 (tolerance 1e-08): ok``, when an error was measured."""
    if comparison.error is None:
        return plain_verdict_line(name, comparison)
    verdict = "ok" if comparison.passed else "too large"
    return f"{name} error: {comparison.error:.2e} (tolerance {spec['tol']:.0e}): {verdict}"


def margin_text(strength):
    return f"error {strength * MARGIN:.1e}x the tolerance"


def fingerprint(spec, record):
    """A known mistake's value on this check, encoded (ValueError on a malformed value)."""
    decode_value(record["value"])  # a well-formed value, or no fingerprint
    return {"value": record["value"]}


def matches(spec, actual, comparison, fingerprint):
    """Whether ``actual`` is within the check's tolerance of the mistake's value (or its sketch)."""
    if "sketch" in fingerprint:
        return _same_sketched(actual, fingerprint["sketch"], spec["tol"])
    return _same(actual, decode_value(fingerprint["value"]), spec["tol"])


def explained_entries(spec, actual):
    """mistake -> the entries it gets wrong, for each known mistake that ``actual`` matches on
    every one of them (within the check's tolerance); {} when the values are not dicts of
    arrays."""
    expected = decode_value(spec["expected"])  # once per check: it may hold 10^5 numbers
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return {}
    parts = {}
    for fingerprint in spec.get("fingerprints", []):
        entries = _entries_matched(spec, expected, actual, fingerprint)
        if entries and fingerprint["mistake"] not in parts:
            parts[fingerprint["mistake"]] = entries
    return parts


def _entries_matched(spec, expected, actual, fingerprint):
    """The entries one known mistake gets wrong, when ``actual`` matches it on every one of them;
    () when it does not. A sketched mistake's entries are told apart from the expected ones by
    its sketch: an entry whose sketch the expected value fails is certainly wrong."""
    if "sketch" in fingerprint:
        entries = fingerprint["sketch"].get("entries")
        if not isinstance(entries, dict):
            return ()

        def same(value, key):
            return _same_sketched(value, entries[key], spec["tol"])
    else:
        mistake = decode_value(fingerprint["value"])
        if not isinstance(mistake, dict):
            return ()
        entries = mistake

        def same(value, key):
            return _same(value, mistake[key], spec["tol"])

    if not set(entries) == set(actual) == set(expected):
        return ()
    wrong = sorted(key for key in expected if not same(expected[key], key))
    return tuple(wrong) if all(same(actual[key], key) for key in wrong) else ()


def _informative_array(array):
    values = np.asarray(array)
    if values.dtype.kind not in "biuf" or not np.all(np.isfinite(values.astype(np.float64))):
        return False
    return bool(np.any(values))


def informative(fields):
    """A finite value, not all zero: a value that says something of the slip."""
    try:
        value = decode_value(fields["value"])
    except (KeyError, ValueError):
        return False
    arrays = list(value.values()) if isinstance(value, dict) else [value]
    finite = all(np.all(np.isfinite(np.asarray(a, np.float64))) for a in arrays if np.asarray(a).dtype.kind in "biuf")
    return bool(arrays) and finite and any(_informative_array(a) for a in arrays)


def same_fingerprint(spec, mine, theirs):
    if "value" not in theirs:
        return False
    return _same(decode_value(mine["value"]), decode_value(theirs["value"]), spec["tol"])


def _compare_array(actual, expected, tol, check_dtype, public):
    """(Comparison, property failure or None) for one array."""
    if actual.shape != expected.shape:
        wanted = f", expected {expected.shape}" if public else " (not the expected shape)"
        return Comparison(
            False,
            f"shape {actual.shape}{wanted}",
            None,
            "the result has the wrong shape: check reshapes, transposes and which axis you sum over",
            "shape",
        ), "shape"
    if check_dtype and actual.dtype != expected.dtype:
        return Comparison(
            False,
            f"dtype {actual.dtype}, expected {expected.dtype}",
            None,
            f"the result is {actual.dtype}, the inputs were {expected.dtype}: numpy upcasts when "
            "an array meets a float64 array or numpy float64 scalar (see Data types)",
            "dtype",
        ), "dtype"
    values = actual.astype(np.float64)
    if not np.all(np.isfinite(values)):
        return Comparison(
            False,
            "contains NaN or infinity",
            None,
            "NaN or infinity: a division by zero, the log of zero or an overflow in exp",
            "nonfinite",
        ), "nonfinite"
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
            return Comparison(
                False, "a dict came instead of an array", None, "the check expects an array here", "structure"
            )
        return _compare_array(actual, expected, tol, check_dtype, public)[0]
    if not isinstance(actual, dict):
        return Comparison(
            False,
            f"an array came instead of the entries {_names(expected)}",
            None,
            "the check expects a dict of named arrays here",
            "structure",
        )
    mismatch = _other_names(
        expected, actual, "some entries are missing or unexpected: check the names of what you return"
    )
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
        return Comparison(
            False, f"{_names(properties)}: {results[properties[0]][0].message}", None, f"{scope} ({details})", signature
        )
    error = max(results[key][0].error for key in failed)
    return Comparison(
        False,
        f"relative error {error:.2e} (tolerance {tol:.0e}) in {_names(failed)}",
        error,
        f"{scope} ({details})",
        signature,
        entries=tuple(failed),
    )
