"""Whether a regenerated release file differs from the one on disk only by rounding.

A grading bundle's expected values are the reference's own outputs, computed with numpy and
whatever BLAS kernel the machine's processor gets (OpenBLAS picks one per processor, and
``OPENBLAS_CORETYPE`` may choose another). Float32 products come out a few units in the
last place apart from one kernel to another, so a release regenerated on another machine
would differ from the committed one in bits that no check can see: every tolerance is
orders of magnitude looser. Those are not changes. ``write_json`` and ``write_text`` keep
the bytes a file had before the release (``keeping_bytes_of``; a release rewrites its
bundle in steps) value by value: each array, float or text of the new JSON that equals its
counterpart in the earlier file up to rounding is written as it was, so releasing again on
any machine leaves the repository as it was, and a real change to one value leaves every
other value's bytes alone. That matters because other files are derived from a bundle
(``public_checks.json``, from the bundle on disk): settled per file, a bundle with one real
change would be written with this run's bits everywhere while a file derived from it kept
the last run's, and the two would disagree in the last place. Outside a release
(``sync --generated-only``) files are written exactly as derived.

Up to rounding means: the same JSON structure, the same strings and integers; encoded
arrays (``values.encode_value``) of the same dtype and shape whose floats agree within a
few units in the last place of their dtype (the same NaN and inf); plain floats, and
numbers inside text (the margins a report prints), within ``NUMBER_TOLERANCE``.
"""

import json
import math
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from .values import decode_value

# Relative error ``values.relative_error`` allows between two roundings of the same value.
ARRAY_TOLERANCE = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-12}
NUMBER_TOLERANCE = 1e-6  # plain floats and numbers in text: absolute and relative
_EARLIER: ContextVar[dict[str, str] | None] = ContextVar("earlier_versions", default=None)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _close(a, b):
    return math.isclose(a, b, rel_tol=NUMBER_TOLERANCE, abs_tol=NUMBER_TOLERANCE)


def _same_text(old, new):
    """Equal strings, or strings that differ only in numbers that are close."""
    if old == new:
        return True
    old_numbers, new_numbers = _NUMBER.findall(old), _NUMBER.findall(new)
    if _NUMBER.split(old) != _NUMBER.split(new) or len(old_numbers) != len(new_numbers):
        return False
    return all(_close(float(a), float(b)) for a, b in zip(old_numbers, new_numbers, strict=True))


def _same_array(old, new):
    try:
        a, b = decode_value(old), decode_value(new)
    except ValueError:
        return False
    if isinstance(a, dict) or isinstance(b, dict) or a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype not in ARRAY_TOLERANCE:
        return bool(np.array_equal(a, b))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    finite = np.isfinite(a64)
    if not np.array_equal(finite, np.isfinite(b64)) or not np.array_equal(a64[~finite], b64[~finite], equal_nan=True):
        return False
    difference = np.abs(a64[finite] - b64[finite]) / np.maximum(1e-30, np.abs(a64[finite]) + np.abs(b64[finite]))
    return bool(difference.size == 0 or difference.max() <= ARRAY_TOLERANCE[a.dtype])


def same_up_to_rounding(old, new):
    """Whether two JSON values differ at most by the rounding of their floats."""
    if isinstance(old, dict) and isinstance(new, dict):
        if old.keys() != new.keys():
            return False
        if {"dtype", "shape", "data"} <= old.keys() and old != new:
            return _same_array(old, new)
        return all(same_up_to_rounding(old[key], new[key]) for key in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same_up_to_rounding(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, float) and isinstance(new, float):
        return _close(old, new) or (math.isnan(old) and math.isnan(new))
    if isinstance(old, str) and isinstance(new, str):
        return _same_text(old, new)
    return type(old) is type(new) and old == new


def _is_array(value):
    return isinstance(value, dict) and {"dtype", "shape", "data"} <= value.keys()


def _list_keys(items):
    """The ``mistake`` or ``name`` of each element, when every element has a distinct one: a
    fingerprint added to a list must not shift which earlier element the others are matched to."""
    for field in ("mistake", "name"):
        keys = [item.get(field) if isinstance(item, dict) else None for item in items]
        if all(isinstance(key, str) for key in keys) and len(set(keys)) == len(keys):
            return keys
    return None


def settled(old, new):
    """``new``, with each of its values that equals its counterpart in ``old`` up to rounding
    replaced by that counterpart (dict entries by key; list elements by their ``mistake`` or
    ``name``, or by position in lists of one length)."""
    if isinstance(old, dict) and isinstance(new, dict) and not (_is_array(old) or _is_array(new)):
        return {key: settled(old[key], value) if key in old else value for key, value in new.items()}
    if isinstance(old, list) and isinstance(new, list):
        old_keys, new_keys = _list_keys(old), _list_keys(new)
        if old_keys is not None and new_keys is not None:
            earlier = dict(zip(old_keys, old, strict=True))
            return [
                settled(earlier[key], item) if key in earlier else item for key, item in zip(new_keys, new, strict=True)
            ]
        if len(old) == len(new):
            return [settled(a, b) for a, b in zip(old, new, strict=True)]
        return new
    return old if same_up_to_rounding(old, new) else new  # an encoded array, a number, a string


def _current(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (FileNotFoundError, UnicodeDecodeError):
        return None


@contextmanager
def keeping_bytes_of(paths):
    """While inside, a write to one of ``paths`` whose content equals the file's content at
    entry up to rounding writes that earlier content instead."""
    earlier = {os.path.abspath(path): text for path in paths if (text := _current(path)) is not None}
    token = _EARLIER.set({**(_EARLIER.get() or {}), **earlier})
    try:
        yield
    finally:
        _EARLIER.reset(token)


def _earlier(path):
    """The text ``path`` had when the release began, or None outside a release."""
    return (_EARLIER.get() or {}).get(os.path.abspath(path))


def _json_text(data):
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _write(path, text):
    """Write ``text`` through a temporary file (a reader never sees half of it), if it is new."""
    if _current(path) == text:
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_json(path, data):
    """Write ``data`` as deterministic JSON (sorted keys, fixed indentation), each value keeping
    its bytes from before the release when it holds the same up to rounding."""
    earlier = _earlier(path)
    if earlier is not None:
        try:
            data = settled(json.loads(earlier), data)
        except ValueError:
            pass  # not JSON on disk: written anew
    _write(path, _json_text(data))


def write_text(path, text):
    """Write a generated text file (a report), keeping the bytes from before the release when
    they say the same up to rounding."""
    earlier = _earlier(path)
    _write(path, earlier if earlier is not None and _same_text(earlier, text) else text)
