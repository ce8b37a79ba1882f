"""Whether a regenerated release file differs from the one on disk only by rounding.

A grading bundle's expected values are the reference's own outputs, computed with numpy and
whatever BLAS kernel the machine's processor gets (OpenBLAS picks one per processor, and
``OPENBLAS_CORETYPE`` may choose another). Float32 products come out a few units in the
last place apart from one kernel to another, so a release regenerated on another machine
would differ from the committed one in bits that no check can see: every tolerance is
orders of magnitude looser. Those are not changes. ``write_json`` and ``write_text`` keep
the bytes a file had before the release (``keeping_bytes_of``; a release rewrites its
bundle in steps) when the new content equals them up to rounding, so releasing again on
any machine leaves the repository as it was; any other difference is written. Outside a
release (``sync --generated-only``) files are written exactly as derived.

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


def _settled(path, text, same):
    """``text``, or the version ``path`` had before the release if it is the same up to rounding."""
    earlier = (_EARLIER.get() or {}).get(os.path.abspath(path))
    return earlier if earlier is not None and same(earlier, text) else text


def _same_json(old_text, new_text):
    try:
        return same_up_to_rounding(json.loads(old_text), json.loads(new_text))
    except ValueError:
        return False  # not JSON on disk: written anew


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
    """Write ``data`` as deterministic JSON (sorted keys, fixed indentation), keeping the
    bytes from before the release when they hold the same up to rounding."""
    _write(path, _settled(path, json.dumps(data, indent=1, sort_keys=True) + "\n", _same_json))


def write_text(path, text):
    """Write a generated text file (a report), keeping the bytes from before the release when
    they say the same up to rounding."""
    _write(path, _settled(path, text, _same_text))
