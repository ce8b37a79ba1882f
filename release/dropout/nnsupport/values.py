"""Numeric values as JSON: what a kernel records and what the grading bundle stores.

This module ships to students as ``nnsupport/values.py``. A value is encoded as its
dtype, shape and raw little-endian bytes (every bit kept, NaN and inf included), or,
for a group of named arrays (a network's parameters, a loss with its gradients), as
``{"entries": {name: encoded array}}``. Decoding never uses pickle or eval.

A new network's parameters are recorded as *summaries* instead (``encode_summaries``):
dtype, shape and the few statistics an initialisation check judges. Initial weights are
random, so their bytes do not compress, and they were most of a graded class's storage.

Records come from student kernels, so ``decode_value`` (and each kind's ``decode``) treat
their input as hostile: they check every field's type and every size *before* allocating
anything, and the only exception they raise is ``ValueError``, with a message that says
what is wrong.
"""

import base64
import binascii
import math
import re
from dataclasses import dataclass

import numpy as np

_NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats
MAX_ELEMENTS = 10**7  # per value, all entries together: 80 MB of float64
MAX_ENTRIES = 256
MAX_DIMENSIONS = 32
_MAX_NAME = 100


def _unsupported(value):
    """``{"unsupported": what it is}`` for anything but a number or numeric array, else None."""
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - ragged lists and objects numpy refuses
        return {"unsupported": type(value).__name__}
    if array.dtype.kind not in _NUMERIC_KINDS:
        return {"unsupported": f"{type(value).__name__} of dtype {array.dtype}"}
    return None


def _encode_array(value):
    unsupported = _unsupported(value)
    if unsupported:
        return unsupported
    array = np.asarray(value)
    little_endian = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {
        "dtype": array.dtype.name,
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(little_endian).tobytes()).decode("ascii"),
    }


def encode_value(value):
    """A JSON-safe description of a number, a numeric array, or a dict of them.

    Anything else is described by its type only, so the grader can say what came instead.
    """
    if isinstance(value, dict):
        return {"entries": {str(key): _encode_array(item) for key, item in value.items()}}
    return _encode_array(value)


def _shape(shape):
    if not isinstance(shape, list) or len(shape) > MAX_DIMENSIONS:
        raise ValueError(f"shape is not a list of at most {MAX_DIMENSIONS} sizes")
    if not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape):
        raise ValueError("shape holds something other than sizes between 0 and 10^7")
    size = 1
    for n in shape:
        size *= n  # Python integers: no overflow
    return tuple(shape), size


def _dtype(name):
    if not isinstance(name, str) or len(name) > 20:
        raise ValueError("dtype is not a short string")
    try:
        dtype = np.dtype(name)
    except Exception:  # noqa: BLE001 - numpy raises TypeError, ValueError, ... on nonsense
        raise ValueError(f"unknown dtype {name[:20]!r}") from None
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.shape != () or dtype.itemsize > 8:
        raise ValueError(f"dtype {name[:20]!r} is not a plain numeric type")
    return dtype


def _dtype_and_shape(encoded, what):
    """(dtype, shape, size) of an encoded array or summary, refused as anything else."""
    if not isinstance(encoded, dict):
        raise ValueError(f"{what} is not an object")
    if "unsupported" in encoded:
        # repr: a type's name is the student's to choose (control characters, lone surrogates).
        raise ValueError(f"not a number or numeric array: {str(encoded['unsupported'])[:80]!r}")
    return _dtype(encoded.get("dtype")), *_shape(encoded.get("shape"))


def _decode_array(encoded, budget):
    """(array, elements used); ``budget`` is the number of elements still allowed."""
    dtype, shape, size = _dtype_and_shape(encoded, "value")
    if size > budget:
        raise ValueError(f"too large: more than {MAX_ELEMENTS} numbers in one value")
    data = encoded.get("data")
    if not isinstance(data, str) or len(data) != 4 * -(-size * dtype.itemsize // 3):
        raise ValueError("data length does not match dtype and shape")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("data is not base64") from None
    if len(raw) != size * dtype.itemsize:
        raise ValueError("data length does not match dtype and shape")
    array = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).reshape(shape)
    return array.astype(dtype), size


# Entry names are the instructor's (dW1, running_mean): a kernel's other names are refused
# before any message quotes one (a blank-looking U+3164, a homoglyph, a control character).
_ENTRY_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


def _decode_named(items, what, decode_one):
    """name -> ``decode_one(item)`` for a JSON object of at most MAX_ENTRIES named items;
    ValueError naming the entry that is wrong."""
    if not isinstance(items, dict) or len(items) > MAX_ENTRIES:
        raise ValueError(f"{what} are not an object of at most {MAX_ENTRIES} arrays")
    decoded = {}
    for key, item in items.items():
        if len(key) > _MAX_NAME:
            raise ValueError("an entry name is too long")
        if not _ENTRY_NAME.fullmatch(key):  # printed to the grader and in formgrader: no look-alike, no control
            raise ValueError(f"entry {key!r}: an entry's name is ASCII letters, digits, '_', '.' and '-' only")
        try:
            decoded[key] = decode_one(item)
        except ValueError as problem:
            raise ValueError(f"entry {key[:_MAX_NAME]!r}: {problem}") from None
    return decoded


def decode_value(encoded):
    """Inverse of ``encode_value``: an array, or a dict of arrays; ValueError on anything else."""
    if not (isinstance(encoded, dict) and "entries" in encoded):
        return _decode_array(encoded, MAX_ELEMENTS)[0]
    budget = MAX_ELEMENTS  # all entries together

    def within_budget(item):
        nonlocal budget
        array, used = _decode_array(item, budget)
        budget -= used
        return array

    return _decode_named(encoded["entries"], "entries", within_budget)


@dataclass(frozen=True)
class ArraySummary:
    """What an initialisation check judges of an array, without its values: its dtype and
    shape, whether every value is finite, any is nonzero and all are one, and (when all are
    finite) the minimum, mean and standard deviation, computed in float64."""

    dtype: np.dtype
    shape: tuple
    finite: bool
    nonzero: bool
    ones: bool
    minimum: float
    mean: float
    std: float

    _FLAGS = ("finite", "nonzero", "ones")
    _STATISTICS = ("minimum", "mean", "std")

    @classmethod
    def of(cls, value):
        array = np.asarray(value)
        values = array.astype(np.float64)
        finite = bool(np.all(np.isfinite(values)))
        statistics = (values.min(), values.mean(), values.std()) if finite and values.size else (0.0, 0.0, 0.0)
        flags = finite, bool(np.any(values)), bool(np.all(values == 1))
        return cls(array.dtype, tuple(array.shape), *flags, *(float(number) for number in statistics))

    def encode(self):
        fields = {name: getattr(self, name) for name in self._FLAGS + self._STATISTICS}
        return {"dtype": self.dtype.name, "shape": list(self.shape), **fields}

    @classmethod
    def decode(cls, encoded):
        dtype, shape, _ = _dtype_and_shape(encoded, "summary")
        flags = [encoded.get(name) for name in cls._FLAGS]
        if not all(type(flag) is bool for flag in flags):
            raise ValueError(f"summary flags {', '.join(cls._FLAGS)} are not all true or false")
        statistics = [encoded.get(name) for name in cls._STATISTICS]
        if not all(type(number) in (int, float) and np.isfinite(number) for number in statistics):
            raise ValueError(f"summary statistics {', '.join(cls._STATISTICS)} are not all finite numbers")
        summary = cls(dtype, shape, *flags, *(float(number) for number in statistics))
        impossible = summary._impossible()
        if impossible:
            raise ValueError(f"the summary describes no array: {impossible}")
        return summary

    def _impossible(self):
        """Why no array of this shape has these statistics and flags, or "" (a diagnosis reads
        them as facts: a minimum above the mean would be described as such)."""
        size = math.prod(self.shape)
        if size > 2**50:
            return "a shape no array in memory has"
        # Rounding, relative to the statistics themselves (tiny weights are summarised too), and
        # below 1e-150 whatever they say: a variance there underflows, and the spread reads 0.
        slack = 1e-9 * max(abs(self.mean), abs(self.minimum), self.std) + 1e-150
        below = self.mean - self.minimum  # how far the lowest value lies below the mean
        if size == 0:
            return (
                ""
                if (self.finite, self.nonzero, self.ones) == (True, False, True) and self._zero()
                else "an empty array with values"
            )
        if not self.finite:
            # NaN and inf are nonzero; no statistic is computed.
            return "" if self.nonzero and not self.ones and self._zero() else "statistics of values that are not finite"
        if not self.nonzero:
            return "" if not self.ones and self._zero() else "statistics of an array of zeros that are not zero"
        if self.std < 0 or below < -slack:
            return "a negative standard deviation, or a minimum above the mean"
        # With every value at least the minimum and their mean fixed, a sample of n values has
        # (mean - minimum) <= std * sqrt(n - 1) and std <= (mean - minimum) * sqrt(n - 1).
        reach = math.sqrt(size - 1) * (1 + 1e-6)
        if below > self.std * reach + slack or self.std > max(below, 0.0) * reach + slack:
            return "a minimum and a standard deviation that no sample of this size has together"
        if self.ones and not (abs(self.minimum - 1) <= slack and abs(self.mean - 1) <= slack):
            return "all ones, with other statistics"
        return ""

    def _zero(self):
        return (self.minimum, self.mean, self.std) == (0.0, 0.0, 0.0)


def encode_summaries(params):
    """A JSON-safe summary (``ArraySummary``) of each named numeric array, for an init check;
    anything else is described by its type only, as ``encode_value`` does."""
    summaries = {}
    for key, item in params.items():
        summaries[str(key)] = _unsupported(item) or ArraySummary.of(item).encode()
    return {"summaries": summaries}


def relative_error(x, y):
    """``max(|x - y| / max(1e-8, |x| + |y|))``, computed in float64."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
